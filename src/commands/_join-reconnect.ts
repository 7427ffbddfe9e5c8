// `join`'s reconnecting: the session that connects and joins again when the server goes (in a
// terminal by default, in a pipe with --reconnect), what a pipe says about it on stderr, and
// the time before each line a pipe prints (--timestamps).
import { connectChat, type ChatClient, type JoinResult } from '../core/chat-client/chat-client.ts';
import { ReconnectingClient, type ConnectionStatus } from '../core/chat-client/reconnecting-client.ts';
import { systemClock } from '../core/shared/clock.ts';
import { getRuntime, type Runtime } from '../runtime/index.ts';
import type { DisplayLogger } from '../ui/display-safe.ts';
import { formatStatus } from '../ui/session-status.ts';

/**
 * The session on `client`: with `reconnect`, one that connects and joins again with the same
 * name when the server goes away after we joined.
 */
export function reconnectingSession(
  client: ChatClient,
  reconnect: boolean,
  target: { host: string; port: number; connectTimeoutMs: number; replyTimeoutMs?: number },
  // The runtime of the first connection, so a reconnect makes the same TLS checks.
  runtime: Runtime = getRuntime(),
  // How to join on a new connection: logging in again first on a server with accounts.
  joinAgain: (client: ChatClient, name: string) => Promise<JoinResult> = (next, name) => next.join(name),
) {
  const rejoin = async (name: string) => {
    const next = await connectChat(runtime, target);
    const joined = await joinAgain(next, name);
    if (joined.ok) return next;
    next.close();
    throw Object.assign(new Error(joined.message), { code: joined.code });
  };
  return new ReconnectingClient(client, { clock: systemClock, reconnect: reconnect ? rejoin : undefined });
}

/** Reconnecting, in a pipe: a line on stderr for each step worth one. */
export function reportStatus(status: ConnectionStatus, logger: DisplayLogger): void {
  if (status.state === 'failed') return logger.debug(`reconnect attempt ${status.attempt} failed: ${status.code} ${status.message}`);
  const line = formatStatus(status, undefined, (_style, text) => text);
  if (line !== undefined) logger.info(line.replace(/^\* /, ''));
}

/** Data lines after their time (`--timestamps` in a pipe). */
export function stampedLines(writeLine: (line: string) => void, stamp: (date: Date) => string): (line: string) => void {
  return (line) => writeLine(`[${stamp(new Date())}] ${line}`);
}
