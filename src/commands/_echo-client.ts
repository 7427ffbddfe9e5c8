// `netchat echo <server> [port]`: the client half of the echo command — stdin streaming or
// ping-like probes, their printed report and their exit codes.
import type { ConsolaInstance } from 'consola';
import {
  EchoClientError,
  lossPercent,
  rttStats,
  runEchoStream,
  runProbes,
  type ProbeSummary,
  type StreamSummary,
} from '../core/echo/echo-client.ts';
import { resolveEchoClientLimits } from '../core/echo/echo-limits.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { flagsOf, LIMIT_FLAGS, limitsFromFlags } from './_limit-flags.ts';
import { connectAddress } from './_address-args.ts';
import { EXIT, onShutdownSignal, parseCount, UsageError } from './_shared.ts';
import { guardStdout } from './_stdout.ts';
import { resolveStateDir } from './_state-dir.ts';
import { clientTlsRuntime, isTrustRefusal, wantsClientTls, withoutScheme } from './_tls-flags.ts';
import type { EchoArgs } from './echo.ts';

export const DEFAULT_PORT = 12345;
/** The server's TLS flags besides --tls (which both modes take); echo has no --tls-port. */
export const ECHO_SERVER_TLS_FLAGS = ['tls-cert', 'tls-key', 'tls-handshake-timeout'] as const;

/** Refuse options that belong to the other mode. */
export function only(options: EchoArgs, keys: Array<keyof EchoArgs>, mode: string): void {
  const given = keys.find((key) => options[key] !== undefined);
  if (given) throw new UsageError(`--${given} is for ${mode}`);
}

export async function runClient(options: EchoArgs, server: string, logger: ConsolaInstance): Promise<void> {
  only(options, ['host', ...flagsOf(LIMIT_FLAGS.echoServer), ...ECHO_SERVER_TLS_FLAGS], 'server mode');
  if (options.server_port !== undefined && options.port !== undefined && options.server_port !== options.port) {
    throw new UsageError(`two different ports: ${options.server_port} and --port ${options.port}`);
  }
  // netchats://host:port asks for TLS; the rest is read as any address.
  const typed = withoutScheme(server, 'SERVER');
  if (options.udp && wantsClientTls(options, typed.tls)) throw new UsageError('--tls is for TCP: UDP echo stays plain');
  const address = connectAddress({ host: typed.rest, port: options.server_port ?? options.port }, { host: 'SERVER', port: 'SERVER_PORT' });
  const host = address.host!;
  const port = address.port ?? DEFAULT_PORT;
  const count = parseCount(options.count, '--count', 1);
  if (count === undefined && options.interval !== undefined) throw new UsageError('--interval needs --count');
  const { timeoutMs, intervalMs } = limitsFromFlags(LIMIT_FLAGS.echoClient, options, resolveEchoClientLimits);
  const target = {
    host,
    port,
    timeoutMs,
    transport: options.udp ? ('udp' as const) : ('tcp' as const),
    framing: options.lines ? ('lines' as const) : ('read' as const),
  };
  const runtime = await clientTlsRuntime(options, { tls: typed.tls, stateDir: resolveStateDir(options['state-dir']) }, logger);
  const interrupt = new AbortController();
  const release = onShutdownSignal(() => interrupt.abort());
  // `… | head -1`: the reader of our output is gone; stop as if interrupted, and say so by exit code.
  const stdout = guardStdout(() => interrupt.abort());
  const print = (line: string) => stdout.write(`${line}\n`);
  try {
    if (count === undefined) {
      const summary = await runEchoStream(runtime, { ...target, signal: interrupt.signal }, process.stdin, process.stdout);
      process.exitCode = stdout.closed ? EXIT.OUTPUT_CLOSED : streamExitCode(summary, target.transport, logger);
      // A read still waiting on stdin (a terminal, an open pipe) would keep the process alive;
      // Deno keeps it alive even after destroy(), so leave once stdout is flushed.
      const inputOpen = !process.stdin.readableEnded;
      process.stdin.destroy();
      if (inputOpen) process.stdout.write('', () => process.exit());
      return;
    }
    const where = formatHostPort(host, port);
    const summary = await runProbes(runtime, { ...target, count, intervalMs, signal: interrupt.signal }, (result) => {
      if (result.status === 'reply') {
        print(`reply from ${where} seq=${result.seq} ts=${result.timestamp} time=${result.rttMs.toFixed(3)} ms`);
      } else print(`no reply from ${where} seq=${result.seq} within ${timeoutMs / 1000} s`);
    });
    printSummary(print, where, summary);
    process.exitCode = stdout.closed ? EXIT.OUTPUT_CLOSED : probeExitCode(summary, logger);
  } catch (error) {
    if (!(error instanceof EchoClientError)) throw error;
    // A refused certificate was already described, loudly, by the TLS connector.
    if (isTrustRefusal((error.cause as { code?: string } | undefined)?.code)) {
      process.exitCode = EXIT.TLS_UNTRUSTED;
      return;
    }
    logger.error(error.message);
    process.exitCode = EXIT.CONNECT;
  } finally {
    release();
  }
}

function printSummary(print: (line: string) => void, where: string, summary: ProbeSummary): void {
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

