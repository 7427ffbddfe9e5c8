import { defineCommand, type ArgsDef, type ParsedArgs } from 'citty';
import type { ConsolaInstance } from 'consola';
import { DEFAULT_ECHO_CLIENT_LIMITS, DEFAULT_ECHO_LIMITS, resolveEchoLimits } from '../core/echo/echo-limits.ts';
import { startEchoServer, type EchoServerEvent } from '../core/echo/echo-server.ts';
import { getRuntime } from '../runtime/index.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { DEFAULT_PORT, ECHO_SERVER_TLS_FLAGS, only, runClient } from './_echo-client.ts';
import { flagsOf, LIMIT_FLAGS, limitArgs, limitsFromFlags } from './_limit-flags.ts';
import { listenAddress } from './_address-args.ts';
import { createLogger, EXIT, hostArg, logArgs, onShutdownSignal, UsageError } from './_shared.ts';
import { resolveStateDir, stateDirArg } from './_state-dir.ts';
import { clientTlsArgs, reloadTlsOnHangup, serveTlsArgs, serveTlsOptions } from './_tls-flags.ts';

const clientLimitArgs = limitArgs(LIMIT_FLAGS.echoClient, DEFAULT_ECHO_CLIENT_LIMITS);

const args = {
  // Named apart from --host/--port: citty would read a missing positional from a same-named flag.
  server: {
    type: 'positional',
    required: false,
    description: 'Echo server to send to, or HOST:PORT, [IPv6]:PORT; without it, netchat echo is the server',
  },
  server_port: { type: 'positional', required: false, description: `Its port (default ${DEFAULT_PORT})` },
  port: { type: 'string', alias: ['p'], description: `Port to listen on, or of the server (default ${DEFAULT_PORT})`, valueHint: 'port' },
  ...hostArg,
  udp: { type: 'boolean', alias: ['u'], description: 'Use UDP: one reply datagram per datagram', default: false },
  lines: { type: 'boolean', description: 'Reply per line, not per read (TCP); client: send line by line', default: false },
  count: { type: 'string', alias: ['c'], description: 'Client: send N probes and print round-trip times, like ping', valueHint: 'n' },
  interval: { ...clientLimitArgs.interval, alias: ['i'] },
  timeout: { ...clientLimitArgs.timeout, alias: ['W', 'w'] },
  ...limitArgs(LIMIT_FLAGS.echoServer, DEFAULT_ECHO_LIMITS),
  tls: {
    type: 'boolean',
    description: 'TCP only. Server: speak TLS (a certificate is made once in --state-dir unless --tls-cert); client: connect with TLS (also implied by netchats://host:port)',
    default: false,
  },
  'tls-cert': serveTlsArgs['tls-cert'],
  'tls-key': serveTlsArgs['tls-key'],
  'tls-handshake-timeout': serveTlsArgs['tls-handshake-timeout'],
  fingerprint: clientTlsArgs.fingerprint,
  'tls-ca': clientTlsArgs['tls-ca'],
  insecure: clientTlsArgs.insecure,
  ...stateDirArg,
  ...logArgs,
} as const satisfies ArgsDef;

export type EchoArgs = ParsedArgs<typeof args>;

export default defineCommand({
  meta: { name: 'echo', description: 'Timestamped echo server; with SERVER, a client that sends stdin or probes' },
  args,
  async run({ args: options }) {
    const logger = createLogger(options);
    if (options.server) await runClient(options, options.server, logger);
    else await runServer(options, logger);
  },
});

async function runServer(options: EchoArgs, logger: ConsolaInstance): Promise<void> {
  only(options, ['count', ...flagsOf(LIMIT_FLAGS.echoClient), 'fingerprint', 'tls-ca'], 'client mode (netchat echo <host> ...)');
  if (options.insecure) throw new UsageError('--insecure is for client mode (netchat echo <host> ...)');
  if (options.udp && options.lines) throw new UsageError('--lines is for TCP: over UDP each datagram is already one message');
  if (options.udp && (options.tls || ECHO_SERVER_TLS_FLAGS.some((flag) => options[flag] !== undefined))) {
    throw new UsageError('--tls is for TCP: UDP echo stays plain');
  }
  const { host, port } = listenAddress(options, { host: '0.0.0.0', port: DEFAULT_PORT });
  const transport = options.udp ? 'udp' : 'tcp';
  const limits = limitsFromFlags(LIMIT_FLAGS.echoServer, options, resolveEchoLimits);
  const tls = await serveTlsOptions(options, resolveStateDir(options['state-dir']), logger);
  const server = await startEchoServer(getRuntime(), {
    host,
    port,
    transport,
    framing: options.lines ? 'lines' : 'read',
    ...(tls && { tls: tls.options }),
    limits,
    onEvent: (event) => logEvent(logger, event),
  }).catch((error: Error & { code?: string }) => {
    logger.error(`cannot listen on ${transport} ${formatHostPort(host, port)}: ${error.code ?? error.message}`);
    process.exitCode = EXIT.CONNECT;
  });
  if (!server) return;
  const where = formatHostPort(server.address.address, server.address.port);
  const framing = transport === 'udp' ? 'one reply per datagram' : options.lines ? 'one reply per line' : 'one reply per read';
  logger.info(`listening on ${where} (${server.encrypted ? 'tcp with TLS' : transport}, ${framing})`);
  const stopReloadingTls = tls ? reloadTlsOnHangup(server, tls.source, logger) : () => {};
  onShutdownSignal(async (signal) => {
    stopReloadingTls();
    logger.info(`${signal}: shutting down (${server.clients} connected)`);
    await server.close();
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  });
}

function logEvent(logger: ConsolaInstance, event: EchoServerEvent): void {
  const peer = formatHostPort(event.peer.address, event.peer.port);
  switch (event.type) {
    case 'connect':
      return logger.info(`connect from ${peer} (${event.clients} connected)`);
    case 'disconnect':
      return logger.info(`disconnect ${peer}: ${event.reason} (${event.bytesIn} bytes in, ${event.bytesOut} out)`);
    case 'reject':
      return logger.warn(`refused ${peer}: SERVER_FULL (--max-clients)`);
    case 'tls-failed':
      return logger.info(`TLS: ${peer} ${TLS_FAILURES[event.code] ?? event.code}`);
    case 'pause':
      return logger.debug(`${peer} ${event.paused ? 'does not read its replies: paused' : 'reads again: resumed'}`);
    case 'unanswered':
      return logger.debug(`datagram of ${event.bytes} bytes from ${peer} not answered: ${event.reason}`);
  }
}

const TLS_FAILURES: Record<string, string> = {
  TLS_HANDSHAKE_FAILED: 'failed its TLS handshake',
  TLS_HANDSHAKE_TIMEOUT: 'did not finish its TLS handshake in time',
  TLS_PEER_NOT_TLS: 'spoke plain TCP to the TLS port: closed',
};
