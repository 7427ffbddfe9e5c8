import * as clack from '@clack/prompts';
import { defineCommand } from 'citty';
import { createConsola } from 'consola';
import type { CloseInfo } from '../core/chat-client/chat-client.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { mergeLimits } from '../core/shared/limit-rules.ts';
import { getRuntime } from '../runtime/index.ts';
import { painter } from '../ui/chat-format.ts';
import { displayLogger, type DisplayLogger } from '../ui/display-safe.ts';
import { OutputFlow } from '../ui/output-flow.ts';
import { DEFAULT_TIMESTAMP_FORMAT, parseTimestampFormat } from '../ui/message-time.ts';
import { runTerminalSession } from '../ui/terminal-session.ts';
import { askMissingTarget, askName } from '../ui/join-prompts.ts';
import { attachPipeOutput, runPipeSession } from '../ui/pipe-session.ts';
import { connectAddress } from './_address-args.ts';
import { connectProgress, connectToServer, loginName } from './_join-connect.ts';
import { joinTransfers } from './_join-transfers.ts';
import { joinCredentials, joinLoginArgs, joinWithLogin, refusalMessage } from './_join-login.ts';
import { reconnectingSession, reportStatus, stampedLines } from './_join-reconnect.ts';
import { LIMIT_FLAGS, limitArgs, limitsFromFlags } from './_limit-flags.ts';
import { chatClientArgs, createLogger, EXIT, logArgs, onShutdownSignal, UsageError } from './_shared.ts';
import { resolveStateDir, stateDirArg } from './_state-dir.ts';
import { clientTlsArgs, clientTlsRuntime, isTrustRefusal, parseChatAddress, withoutScheme } from './_tls-flags.ts';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 12000;
/** The client's own limits; the others it learns from the server's [Limits] reply. */
const DEFAULT_JOIN_LIMITS: Readonly<{ connectTimeoutMs: number }> = Object.freeze({ connectTimeoutMs: 10_000 });
// 0 leaves the wait to the system.
const resolveJoinLimits = (overrides: { connectTimeoutMs?: number }) =>
  mergeLimits(DEFAULT_JOIN_LIMITS, overrides, { connectTimeoutMs: 0 }, { wholeNumbers: false });

/** Why the connection ended, in words, and the exit code that says it to scripts. */
function describeClose(close: CloseInfo, registered: boolean): { message: string; exitCode: number } {
  const detail = [close.code, close.message].filter(Boolean).join(' ');
  if (close.reason === 'quit') return { message: 'left the chat', exitCode: EXIT.OK };
  if (!registered && (close.code === 'SERVER_FULL' || close.code === 'TLS_REQUIRED' || close.code === 'TOO_MANY_CONNECTIONS' || close.reason === 'timeout')) {
    return { message: `the server did not let us in: ${detail}`, exitCode: EXIT.CONNECT };
  }
  const messages: Record<CloseInfo['reason'], string> = {
    quit: 'left the chat',
    shutdown: 'the server is shutting down',
    kicked: `disconnected by the server: ${detail}`,
    'server-closed': 'the server closed the connection',
    error: `connection lost: ${detail}`,
    timeout: `the server stopped answering: ${detail}`,
    aborted: 'connection closed',
  };
  return { message: messages[close.reason], exitCode: EXIT.SERVER_CLOSED };
}

/**
 * stdout and stderr under flow control: reading from the server pauses while either is backed
 * up, and a stdout whose reader went away (EPIPE) calls `onStdoutClosed` instead of crashing.
 * Log messages go through the same flow, made safe for the terminal.
 */
function openOutputs(args: { verbose?: boolean; quiet?: boolean }, onStdoutClosed: () => void) {
  const flow = new OutputFlow((stream) => stream === process.stdout && onStdoutClosed());
  const writeOut = flow.writer(process.stdout);
  const writeErr = flow.writer(process.stderr);
  const stderr = { write: (text: string) => (writeErr(text), true), columns: process.stderr.columns };
  const consola = createLogger(args);
  const streams = { stdout: stderr, stderr } as unknown as { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
  const logger: DisplayLogger = displayLogger(createConsola({ ...consola.options, ...streams }));
  return { flow, logger, writeLine: (line: string) => writeOut(`${line}\n`) };
}

export default defineCommand({
  meta: {
    name: 'join',
    description: 'Join a chat server; with stdin not a terminal, send each input line and exit at its end',
  },
  args: {
    ...chatClientArgs({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
    'download-dir': {
      type: 'string',
      description: 'Where /download saves files (default ./<your name>)',
      valueHint: 'path',
    },
    udp: {
      type: 'boolean',
      alias: ['u'],
      description: '/download over UDP unless a download says --tcp (reliable and verified all the same)',
      default: false,
    },
    reconnect: {
      type: 'boolean',
      description: 'Connect again when the server goes away (default in a terminal; --no-reconnect: exit instead)',
    },
    timestamps: {
      type: 'string',
      description: `Time before each message: off, or a format of %H %M %S %d %m %Y (default ${DEFAULT_TIMESTAMP_FORMAT} in a terminal, off in a pipe)`,
      valueHint: 'format',
    },
    raw: {
      type: 'boolean',
      description: 'Without a terminal: print server lines exactly as received, control characters included (stderr stays safe)',
      default: false,
    },
    timeout: { ...limitArgs(LIMIT_FLAGS.join, DEFAULT_JOIN_LIMITS).timeout, alias: ['W', 'w'] },
    ...clientTlsArgs,
    ...stateDirArg,
    ...joinLoginArgs,
    ...logArgs,
  },
  async run({ args }) {
    const controller = new AbortController();
    // `… | head -1`: the reader of our output is gone; leave as if interrupted, then say so by exit code.
    let stdoutClosed = false;
    const { flow, logger, writeLine } = openOutputs(args, () => {
      stdoutClosed = true;
      controller.abort();
    });
    const interruptedCode = () => (stdoutClosed ? EXIT.OUTPUT_CLOSED : EXIT.INTERRUPTED);
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !args.json;
    const { connectTimeoutMs } = limitsFromFlags(LIMIT_FLAGS.join, args, resolveJoinLimits);
    let name = args.name?.trim() || undefined;
    // netchats://host:port asks for TLS; the rest is read as any address.
    const typedAddress = args.host === undefined ? undefined : withoutScheme(args.host, 'HOST');
    let tlsTyped = typedAddress?.tls ?? false;
    let { host, port } = connectAddress({ ...args, host: typedAddress?.rest });
    if (!interactive && !name) throw new UsageError('NAME is required when stdin is not a terminal');
    if (args.raw && args.json) throw new UsageError('--raw is for plain output: --json prints exact values, escaped');
    if (args.raw && interactive) throw new UsageError('--raw is for pipes: in a terminal, server text is always made safe');
    const timestamps = parseTimestampFormat(args.timestamps, interactive ? DEFAULT_TIMESTAMP_FORMAT : undefined);
    if (timestamps.error) throw new UsageError(`--timestamps: ${timestamps.error}`);

    const paint = painter(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
    const say = interactive ? displayLogger({ debug: () => {}, info: clack.log.info, warn: clack.log.warn, error: clack.log.error }) : logger;
    if (interactive) {
      const defaults = { host: DEFAULT_HOST, port: DEFAULT_PORT, loginName: loginName() };
      const target = await askMissingTarget(paint('bold', 'netchat join'), { name, host, port }, defaults);
      if (!target) {
        process.exitCode = EXIT.INTERRUPTED;
        return;
      }
      ({ name, host, port } = target);
      // A netchats:// address may be typed at the prompt too.
      const typed = parseChatAddress(host);
      if (typed.tls) [host, port, tlsTyped] = [typed.host, typed.port ?? port, true];
    }
    host ??= DEFAULT_HOST;
    port ??= DEFAULT_PORT;
    const credentials = await joinCredentials(args, interactive, name);
    if (!credentials) {
      process.exitCode = EXIT.INTERRUPTED;
      return;
    }

    const runtime = await clientTlsRuntime(args, { tls: tlsTyped, stateDir: resolveStateDir(args['state-dir']) }, say);
    const stopSignals = onShutdownSignal(() => controller.abort());
    try {
      const progress = connectProgress(interactive, formatHostPort(host, port), say);
      // --timeout bounds every wait on the server before the chat: the connection, then the answers to the login and JOIN.
      const target = { host, port, connectTimeoutMs, ...(connectTimeoutMs > 0 && { replyTimeoutMs: connectTimeoutMs }) };
      const connected = await connectToServer(target, controller.signal, runtime);
      if (!connected.ok) {
        // A refused certificate was already described, loudly, by the TLS connector.
        const untrusted = isTrustRefusal(connected.code);
        if (!connected.interrupted) progress.failed(untrusted ? 'the server\'s TLS certificate was refused' : connected.message);
        process.exitCode = connected.interrupted ? interruptedCode() : untrusted ? EXIT.TLS_UNTRUSTED : EXIT.CONNECT;
        return;
      }
      const { client, foreign } = connected;
      const session = reconnectingSession(client, args.reconnect ?? interactive, target, runtime, (next, joinName) =>
        joinWithLogin(next, joinName, { ...credentials, interactive: false }),
      );
      if (!interactive) session.on('status', (status) => reportStatus(status, logger));
      flow.control(session);
      // Interrupted before registering: nothing to leave cleanly from.
      controller.signal.addEventListener('abort', () => client.name === undefined && client.close(), { once: true });
      const pipeLine = timestamps.stamp && !args.json ? stampedLines(writeLine, timestamps.stamp) : writeLine;
      const output = interactive ? undefined : attachPipeOutput({ client: session, json: args.json, raw: args.raw, logger, writeLine: pipeLine });

      let joined = await joinWithLogin(client, name!, credentials);
      // A port that answered with something else than netchat: say what it said, exit 3.
      if (foreign.message !== undefined) {
        if (interactive) progress.failed(foreign.message);
        else output!.localError('NOT_NETCHAT', foreign.message);
        process.exitCode = EXIT.CONNECT;
        output?.closed(await client.closed);
        return;
      }
      progress.done();
      while (interactive && !joined.ok && !('close' in joined) && joined.code !== 'CANCELLED') {
        say.warn(refusalMessage(name!, joined.code, joined.message));
        name = await askName('Another name');
        if (!name) {
          client.close();
          process.exitCode = EXIT.INTERRUPTED;
          return;
        }
        joined = await joinWithLogin(client, name, { ...credentials, password: undefined, serverPassword: undefined });
      }
      if (!joined.ok) {
        if (controller.signal.aborted || joined.code === 'CANCELLED') {
          process.exitCode = interruptedCode();
          client.close();
        } else if ('close' in joined) {
          const { message, exitCode } = describeClose(joined.close, false);
          say.error(message);
          process.exitCode = exitCode;
        } else {
          say.error(refusalMessage(name!, joined.code, joined.message));
          process.exitCode = EXIT.NAME_REFUSED;
          await client.leave();
        }
        output?.closed(await client.closed);
        return;
      }

      if (interactive) clack.log.success(`Joined ${formatHostPort(host, port)} as ${joined.name}. ${joined.online} online. /help lists the commands.`);
      else logger.info(`joined ${formatHostPort(host, port)} as ${joined.name}`);
      const { transfers, setPrinter } = joinTransfers({
        client: session,
        runtime,
        host,
        port,
        connectTimeoutMs,
        downloadDir: getRuntime().files.resolve(args['download-dir']?.trim() || joined.name),
        mode: interactive ? 'terminal' : args.json ? 'json' : 'plain',
        paint,
        logger,
        writeLine,
      });
      const { close, interrupted } = interactive
        ? await runTerminalSession(
            {
              client: session,
              input: process.stdin,
              output: process.stdout,
              paint,
              signal: controller.signal,
              transfers,
              udpByDefault: args.udp,
              timestamps: timestamps.stamp,
            },
            setPrinter,
          )
        : await runPipeSession({
            client: session,
            output: output!,
            input: process.stdin,
            logger,
            signal: controller.signal,
            stayAfterInput: args.stay,
            transfers,
            udpByDefault: args.udp,
          });

      const { message, exitCode } = describeClose(close, true);
      // Leaving cleanly does not hide a /download or /upload that failed.
      const transferFailed = exitCode === EXIT.OK && transfers.failed > 0;
      // Nor a line of the input that was refused: a script learns it from the exit code.
      const inputRefused = exitCode === EXIT.OK && (output?.refused ?? 0) > 0;
      process.exitCode = interrupted
        ? interruptedCode()
        : transferFailed
          ? EXIT.TRANSFER_FAILED
          : inputRefused
            ? EXIT.INPUT_REFUSED
            : exitCode;
      if (exitCode !== EXIT.OK && !interrupted) say.error(message);
      if (interactive) clack.outro(exitCode === EXIT.OK || interrupted ? 'Left the chat.' : 'Disconnected.');
      else logger.debug(message);
    } finally {
      stopSignals();
    }
  },
});
