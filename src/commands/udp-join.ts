import * as clack from '@clack/prompts';
import { defineCommand } from 'citty';
import { openUdpChat, type UdpChatClient, type UdpCloseInfo } from '../core/udp-chat/udp-chat-client.ts';
import { UDP_CHAT_DEFAULT_PORT } from '../protocol/udp-chat/client-datagrams.ts';
import { getRuntime } from '../runtime/index.ts';
import { painter } from '../ui/chat-format.ts';
import { displayLogger, type DisplayLogger } from '../ui/display-safe.ts';
import { askMissingTarget, askName, nameRefusal } from '../ui/join-prompts.ts';
import { attachUdpPipeOutput, runUdpPipeSession } from '../ui/udp-pipe-session.ts';
import { runUdpTerminalSession } from '../ui/udp-terminal-session.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { DEFAULT_UDP_CHAT_CLIENT_LIMITS, resolveUdpChatClientLimits } from '../core/udp-chat/udp-chat-limits.ts';
import { connectAddress } from './_address-args.ts';
import { loginName } from './_join-connect.ts';
import { LIMIT_FLAGS, limitArgs, limitsFromFlags } from './_limit-flags.ts';
import { chatClientArgs, createLogger, EXIT, logArgs, onShutdownSignal, UsageError } from './_shared.ts';
import { guardStdout } from './_stdout.ts';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = UDP_CHAT_DEFAULT_PORT;
const udpJoinLimitArgs = limitArgs(LIMIT_FLAGS.udpJoin, DEFAULT_UDP_CHAT_CLIENT_LIMITS);

/**
 * Why the chat ended, in words, and the exit code that says it to scripts (the same as `join`'s).
 * `admitted`: the server had let us in (announced or welcomed us), so it was reached.
 */
function describeClose(close: UdpCloseInfo, admitted: boolean, where: string): { message: string; exitCode: number } {
  const detail = [close.code, close.message].filter(Boolean).join(' ');
  if (close.reason === 'quit') return { message: 'left the chat', exitCode: EXIT.OK };
  if (!admitted && (close.reason === 'timeout' || close.reason === 'error')) {
    return { message: `cannot reach the UDP chat at ${where}: ${detail}`, exitCode: EXIT.CONNECT };
  }
  const messages: Record<UdpCloseInfo['reason'], string> = {
    quit: 'left the chat',
    shutdown: 'the server is shutting down',
    kicked: `the server dropped us: ${detail}`,
    timeout: `the server stopped answering: ${detail}`,
    error: `sending failed: ${detail}`,
    aborted: 'closed',
  };
  return { message: messages[close.reason], exitCode: EXIT.SERVER_CLOSED };
}

export default defineCommand({
  meta: {
    name: 'udp-join',
    description: 'Join a UDP chat server; with stdin not a terminal, send each input line and exit at its end',
  },
  args: {
    ...chatClientArgs({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
    ...udpJoinLimitArgs,
    timeout: { ...udpJoinLimitArgs.timeout, alias: ['W', 'w'] },
    ...logArgs,
  },
  async run({ args }) {
    // Everything logged may quote the server: made safe for the terminal, whatever the mode.
    const logger = displayLogger(createLogger(args));
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !args.json;
    const { replyTimeoutMs, serverTimeoutMs } = limitsFromFlags(LIMIT_FLAGS.udpJoin, args, resolveUdpChatClientLimits);
    let name = args.name?.trim() || undefined;
    let { host, port } = connectAddress(args);
    if (!interactive && !name) throw new UsageError('NAME is required when stdin is not a terminal');

    const paint = painter(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
    const say: DisplayLogger = interactive
      ? displayLogger({ debug: () => {}, info: clack.log.info, warn: clack.log.warn, error: clack.log.error })
      : logger;
    if (interactive) {
      const target = await askMissingTarget(paint('bold', 'netchat udp-join'), { name, host, port }, { host: DEFAULT_HOST, port: DEFAULT_PORT, loginName: loginName() });
      if (!target) {
        process.exitCode = EXIT.INTERRUPTED;
        return;
      }
      ({ name, host, port } = target);
    }
    host ??= DEFAULT_HOST;
    port ??= DEFAULT_PORT;
    const where = formatHostPort(host, port);

    const controller = new AbortController();
    const stopSignals = onShutdownSignal(() => controller.abort());
    // `… | head -1`: the reader of our output is gone; leave the chat as if interrupted, and say so by exit code.
    const stdout = guardStdout(() => controller.abort());
    const interruptedCode = () => (stdout.closed ? EXIT.OUTPUT_CLOSED : EXIT.INTERRUPTED);
    try {
      logger.debug(`joining the UDP chat at ${where}`);
      const client: UdpChatClient = await openUdpChat(getRuntime(), { host, port, replyTimeoutMs, serverTimeoutMs });
      // Interrupted before joining: nothing to leave.
      controller.signal.addEventListener('abort', () => client.name === undefined && client.close(), { once: true });
      const writeLine = (line: string) => stdout.write(`${line}\n`);
      const output = interactive ? undefined : attachUdpPipeOutput({ client, json: args.json, logger, writeLine });

      let joined = await client.join(name!);
      while (interactive && !joined.ok && !('close' in joined)) {
        say.warn(nameRefusal(name!, joined.code, joined.message));
        name = await askName('Another name');
        if (!name) {
          client.close();
          process.exitCode = EXIT.INTERRUPTED;
          return;
        }
        joined = await client.join(name);
      }
      if (!joined.ok) {
        if (controller.signal.aborted) {
          process.exitCode = interruptedCode();
        } else if ('close' in joined) {
          const { message, exitCode } = describeClose(joined.close, client.admitted, where);
          say.error(message);
          process.exitCode = exitCode;
        } else {
          say.error(nameRefusal(name!, joined.code, joined.message));
          process.exitCode = EXIT.NAME_REFUSED;
          client.close();
        }
        output?.closed(await client.closed);
        return;
      }

      if (interactive) clack.log.success(`Joined the UDP chat at ${where} as ${joined.name}. ${joined.online} online. /help lists the commands.`);
      else logger.info(`joined the UDP chat at ${where} as ${joined.name}`);
      const { close, interrupted } = interactive
        ? await runUdpTerminalSession({ client, input: process.stdin, output: process.stdout, paint, signal: controller.signal })
        : await runUdpPipeSession({ client, output: output!, input: process.stdin, logger, signal: controller.signal, stayAfterInput: args.stay });

      const { message, exitCode } = describeClose(close, true, where);
      process.exitCode = interrupted ? interruptedCode() : exitCode;
      if (exitCode !== EXIT.OK && !interrupted) say.error(message);
      if (interactive) clack.outro(exitCode === EXIT.OK || interrupted ? 'Left the chat.' : 'Disconnected.');
      else logger.debug(message);
    } finally {
      stopSignals();
    }
  },
});
