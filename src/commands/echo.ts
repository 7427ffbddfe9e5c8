import { defineCommand, type ArgsDef, type ParsedArgs } from 'citty';
import type { ConsolaInstance } from 'consola';
import { startEchoServer, type EchoServerEvent } from '../core/echo/echo-server.ts';
import { getRuntime } from '../runtime/index.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { DEFAULT_INTERVAL_MS, DEFAULT_PORT, DEFAULT_TIMEOUT_MS, only, runClient } from './_echo-client.ts';
import { createLogger, EXIT, hostArg, logArgs, onShutdownSignal, parseBytes, parseCount, parsePort, UsageError } from './_shared.ts';


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
    logger.error(`cannot listen on ${transport} ${formatHostPort(options.host, port)}: ${error.code ?? error.message}`);
    process.exitCode = EXIT.CONNECT;
  });
  if (!server) return;
  const where = formatHostPort(server.address.address, server.address.port);
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
  const peer = formatHostPort(event.peer.address, event.peer.port);
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
