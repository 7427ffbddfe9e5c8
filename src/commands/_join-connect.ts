// How `join` reaches its server: a spinner naming the address while it connects (in a
// terminal), the connection raced against Ctrl-C, and a watch for a port that answers but is
// not netchat, so that `join bob host:22` says what it found instead of waiting for a welcome.
import * as clack from '@clack/prompts';
import { userInfo } from 'node:os';
import { connectChat, ConnectError, type ChatClient, type ChatClientOptions } from '../core/chat-client/chat-client.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { getRuntime, type Runtime } from '../runtime/index.ts';
import { watchForForeignServer, type ForeignServerWatch } from '../ui/foreign-server.ts';
import { EXIT } from './_exit.ts';

/**
 * The login name, as the name a terminal user is offered; undefined when there is none. $USER
 * first, as ssh and irssi read it; then the account, except Bun's "unknown", which it returns
 * when $USER is unset rather than look the account up.
 */
export function loginName(): string | undefined {
  const fromEnv = process.env.USER?.trim() || process.env.LOGNAME?.trim();
  if (fromEnv) return fromEnv;
  try {
    const name = userInfo().username;
    return name && !(name === 'unknown' && 'Bun' in globalThis) ? name : undefined;
  } catch {
    return undefined;
  }
}

export interface ConnectProgress {
  /** Connected and let in, or the flow moves on to a question: the spinner goes. */
  done(message?: string): void;
  failed(message: string): void;
}

/** A clack spinner with the address in a terminal; elsewhere a debug line, and a failure on stderr. */
export function connectProgress(
  interactive: boolean,
  where: string,
  log: { debug(message: string): void; error(message: string): void },
): ConnectProgress {
  if (!interactive) {
    log.debug(`connecting to ${where}`);
    return { done: () => {}, failed: (message) => log.error(message) };
  }
  const spinner = clack.spinner();
  spinner.start(`Connecting to ${where}`);
  let running = true;
  // The spinner reads keys itself and exits the process on Ctrl+C, with code 0: the code must
  // still say "interrupted" (as send-file does for clack's progress bar).
  const onExit = () => {
    if (running) process.exitCode = EXIT.INTERRUPTED;
  };
  process.on('exit', onExit);
  const finish = () => {
    running = false;
    process.off('exit', onExit);
  };
  return {
    done: (message) => {
      if (running) spinner.stop(message ?? `Connected to ${where}`);
      finish();
    },
    failed: (message) => {
      if (running) spinner.error(message);
      finish();
    },
  };
}

export type ConnectOutcome =
  | { ok: true; client: ChatClient; foreign: ForeignServerWatch }
  | { ok: false; interrupted: boolean; message: string; code?: string };

/**
 * Connect, unless `signal` is aborted first (a connection that comes later is closed). The
 * client comes with a watch that closes it at the first line showing the server is not netchat.
 */
export async function connectToServer(options: ChatClientOptions, signal: AbortSignal, runtime: Pick<Runtime, 'connectTcp'> = getRuntime()): Promise<ConnectOutcome> {
  const where = formatHostPort(options.host, options.port);
  const interrupted = { ok: false as const, interrupted: true, message: `interrupted while connecting to ${where}` };
  if (signal.aborted) return interrupted;
  const connecting = connectChat(runtime, options);
  let onAbort!: () => void;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([connecting, aborted]);
    if (first === 'aborted') {
      connecting.then((client) => client.close(), () => {});
      return interrupted;
    }
    const client = first;
    return { ok: true, client, foreign: watchForForeignServer(client, () => client.close()) };
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    // The core says host:port; an IPv6 address is written in brackets here.
    const reason = error.message.replace(/^cannot connect to \S+: /, '');
    return { ok: false, interrupted: signal.aborted, message: `cannot connect to ${where}: ${reason}`, code: error.code };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
