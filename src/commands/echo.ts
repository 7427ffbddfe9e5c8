import { defineCommand, type ArgsDef, type ParsedArgs } from 'citty';
import type { ConsolaInstance } from 'consola';
import {
  EchoClientError,
  lossPercent,
  rttStats,
  runEchoStream,
  runProbes,
  type ProbeSummary,
  type StreamSummary,
} from '../core/echo-client.ts';
import { startEchoServer, type EchoServerEvent } from '../core/echo-server.ts';
import { getRuntime } from '../runtime/index.ts';
import {
  createLogger,
  EXIT,
  hostArg,
  logArgs,
  onShutdownSignal,
  parseBytes,
  parseCount,
  parsePort,
  parseSeconds,
  UsageError,
} from './_shared.ts';

const DEFAULT_PORT = 12345;
const DEFAULT_INTERVAL_MS = 200;
const DEFAULT_TIMEOUT_MS = 5000;

const args = {
  // Named apart from --host/--port: citty would read a missing positional from a same-named flag.
  server: { type: 'positional', required: false, description: 'Echo server to send to; without it, netchat echo is the server' },
  server_port: { type: 'positional', required: false, description: `Its port (default ${DEFAULT_PORT})` },
  port: { type: 'string', description: `Port to listen on, or of the server (default ${DEFAULT_PORT})`, valueHint: 'port' },
  ...hostArg,
  udp: { type: 'boolean', description: 'Use UDP: one reply datagram per datagram', default: false },
  lines: { type: 'boolean', description: 'Reply per line, not per read (TCP); client: send line by line', default: false },
  count: { type: 'string', description: 'Client: send N probes and print round-trip times, like ping', valueHint: 'n' },
  interval: { type: 'string', description: `Client: seconds from one probe to the next (default ${DEFAULT_INTERVAL_MS / 1000})`, valueHint: 'seconds' },
  timeout: { type: 'string', description: `Client: seconds to wait to connect and for each reply (default ${DEFAULT_TIMEOUT_MS / 1000})`, valueHint: 'seconds' },
  'max-clients': { type: 'string', description: 'Server: TCP clients at once (default 10000)', valueHint: 'n' },
  'max-line-bytes': { type: 'string', description: 'Server, --lines: longest line echoed (default 16k)', valueHint: 'bytes' },
  'max-pending-replies': { type: 'string', description: 'Server, --udp: replies waiting to be sent (default 1024)', valueHint: 'n' },
  ...logArgs,
} as const satisfies ArgsDef;

type EchoArgs = ParsedArgs<typeof args>;

export default defineCommand({
  meta: { name: 'echo', description: 'Timestamped echo server; with SERVER, a client that sends stdin or probes' },
  args,
  async run({ args: options }) {
    const logger = createLogger(options);
    if (options.server) await runClient(options, options.server, logger);
    else await runServer(options, logger);
  },
});

function only(options: EchoArgs, keys: Array<keyof EchoArgs>, mode: string): void {
  const given = keys.find((key) => options[key] !== undefined);
  if (given) throw new UsageError(`--${given} is for ${mode}`);
}

async function runServer(options: EchoArgs, logger: ConsolaInstance): Promise<void> {
  only(options, ['count', 'interval', 'timeout'], 'client mode (netchat echo <host> ...)');
  if (options.udp && options.lines) throw new UsageError('--lines is for TCP: over UDP each datagram is already one message');
  const port = options.port === undefined ? DEFAULT_PORT : parsePort(options.port, '--port');
  const transport = options.udp ? 'udp' : 'tcp';
  const server = await startEchoServer(getRuntime(), {
    host: options.host,
    port,
    transport,
    framing: options.lines ? 'lines' : 'read',
    limits: {
      maxClients: parseCount(options['max-clients'], '--max-clients', 1),
      maxLineBytes: parseBytes(options['max-line-bytes'], '--max-line-bytes'),
      maxPendingReplies: parseCount(options['max-pending-replies'], '--max-pending-replies', 1),
    },
    onEvent: (event) => logEvent(logger, event),
  }).catch((error: Error & { code?: string }) => {
    if (error.code === 'INVALID_LIMIT') throw error;
    logger.error(`cannot listen on ${transport} ${address(options.host, port)}: ${error.code ?? error.message}`);
    process.exitCode = EXIT.CONNECT;
  });
  if (!server) return;
  const where = address(server.address.address, server.address.port);
  const framing = transport === 'udp' ? 'one reply per datagram' : options.lines ? 'one reply per line' : 'one reply per read';
  logger.info(`listening on ${where} (${transport}, ${framing})`);
  onShutdownSignal(async (signal) => {
    logger.info(`${signal}: shutting down (${server.clients} connected)`);
    await server.close();
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  });
}

function logEvent(logger: ConsolaInstance, event: EchoServerEvent): void {
  const peer = address(event.peer.address, event.peer.port);
  switch (event.type) {
    case 'connect':
      return logger.info(`connect from ${peer} (${event.clients} connected)`);
    case 'disconnect':
      return logger.info(`disconnect ${peer}: ${event.reason} (${event.bytesIn} bytes in, ${event.bytesOut} out)`);
    case 'reject':
      return logger.warn(`refused ${peer}: SERVER_FULL (--max-clients)`);
    case 'pause':
      return logger.debug(`${peer} ${event.paused ? 'does not read its replies: paused' : 'reads again: resumed'}`);
    case 'unanswered':
      return logger.debug(`datagram of ${event.bytes} bytes from ${peer} not answered: ${event.reason}`);
  }
}

async function runClient(options: EchoArgs, host: string, logger: ConsolaInstance): Promise<void> {
  only(options, ['max-clients', 'max-line-bytes', 'max-pending-replies'], 'server mode');
  if (options.server_port !== undefined && options.port !== undefined && options.server_port !== options.port) {
    throw new UsageError(`two different ports: ${options.server_port} and --port ${options.port}`);
  }
  const portText = options.server_port ?? options.port;
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText, 'SERVER_PORT', false);
  const count = parseCount(options.count, '--count', 1);
  if (count === undefined && options.interval !== undefined) throw new UsageError('--interval needs --count');
  const timeoutMs = parseSeconds(options.timeout, '--timeout') ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs <= 0) throw new UsageError('--timeout must be more than 0 seconds');
  const target = {
    host,
    port,
    timeoutMs,
    transport: options.udp ? ('udp' as const) : ('tcp' as const),
    framing: options.lines ? ('lines' as const) : ('read' as const),
  };
  const interrupt = new AbortController();
  const release = onShutdownSignal(() => interrupt.abort());
  try {
    if (count === undefined) {
      const summary = await runEchoStream(getRuntime(), { ...target, signal: interrupt.signal }, process.stdin, process.stdout);
      process.exitCode = streamExitCode(summary, target.transport, logger);
      // A read still waiting on stdin (a terminal, an open pipe) would keep the process alive;
      // Deno keeps it alive even after destroy(), so leave once stdout is flushed.
      const inputOpen = !process.stdin.readableEnded;
      process.stdin.destroy();
      if (inputOpen) process.stdout.write('', () => process.exit());
      return;
    }
    const intervalMs = parseSeconds(options.interval, '--interval') ?? DEFAULT_INTERVAL_MS;
    const where = address(host, port);
    const summary = await runProbes(getRuntime(), { ...target, count, intervalMs, signal: interrupt.signal }, (result) => {
      if (result.status === 'reply') {
        print(`reply from ${where} seq=${result.seq} ts=${result.timestamp} time=${result.rttMs.toFixed(3)} ms`);
      } else print(`no reply from ${where} seq=${result.seq} within ${timeoutMs / 1000} s`);
    });
    printSummary(where, summary);
    process.exitCode = probeExitCode(summary, logger);
  } catch (error) {
    if (!(error instanceof EchoClientError)) throw error;
    logger.error(error.message);
    process.exitCode = EXIT.CONNECT;
  } finally {
    release();
  }
}

function printSummary(where: string, summary: ProbeSummary): void {
  print(`--- ${where} echo statistics ---`);
  print(`${summary.sent} probes, ${summary.received} replies, ${lossPercent(summary.sent, summary.received)}% loss`);
  const stats = rttStats(summary.rttsMs);
  if (stats) {
    const ms = [stats.minMs, stats.avgMs, stats.p99Ms, stats.maxMs].map((value) => value.toFixed(3));
    print(`rtt min/avg/p99/max = ${ms.join('/')} ms`);
  }
}

/** 0 every probe answered; 1 some lost or a reply not from a netchat echo server; 3 none answered; 5 server closed. */
function probeExitCode(summary: ProbeSummary, logger: ConsolaInstance): number {
  if (summary.end === 'interrupted' && summary.sent === 0) return EXIT.INTERRUPTED;
  if (summary.end === 'bad-reply') {
    logger.error('the reply is not a netchat echo reply: is the server using the same --lines/--udp?');
    return EXIT.FAILURE;
  }
  if (summary.end === 'server-closed') {
    logger.error('the server closed the connection');
    return EXIT.SERVER_CLOSED;
  }
  if (summary.received === 0) return EXIT.CONNECT;
  return summary.received < summary.sent ? EXIT.FAILURE : EXIT.OK;
}

function streamExitCode(summary: StreamSummary, transport: 'tcp' | 'udp', logger: ConsolaInstance): number {
  switch (summary.end) {
    case 'interrupted':
      return EXIT.INTERRUPTED;
    case 'server-closed':
      logger.warn('the server closed the connection before the input ended');
      return EXIT.SERVER_CLOSED;
    case 'send-failed':
      logger.error('could not send to the server');
      return EXIT.CONNECT;
    case 'no-close':
      logger.warn('the server did not close the connection after the input ended');
      return EXIT.FAILURE;
    case 'done':
      if (transport === 'tcp' || summary.repliesReceived >= summary.messagesSent) return EXIT.OK;
      logger.warn(`${summary.messagesSent - summary.repliesReceived} of ${summary.messagesSent} datagrams got no reply`);
      return summary.repliesReceived === 0 ? EXIT.CONNECT : EXIT.FAILURE;
  }
}

function address(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
