import { defineCommand } from 'citty';
import type { ConsolaInstance } from 'consola';
import type { ChatServerEvent } from '../core/chat-events.ts';
import { DISCONNECT_REASONS } from '../core/chat-events.ts';
import { startChatServer, type ChatServer } from '../core/chat-server.ts';
import { DEFAULT_CHAT_LIMITS as D, LimitError, type ChatLimits } from '../core/limits.ts';
import { getRuntime, type SocketAddress } from '../runtime/index.ts';
import {
  createLogger,
  EXIT,
  hostArg,
  logArgs,
  onShutdownSignal,
  parseBytes,
  parseCount,
  parseDecimal,
  parsePort,
  parseSeconds,
  UsageError,
} from './_shared.ts';

const limitArgs = {
  'max-line-bytes': { type: 'string', description: `Longest line in bytes (default ${D.maxLineBytes})`, valueHint: 'n' },
  'max-unterminated-bytes': {
    type: 'string',
    description: `Bytes without a newline before disconnecting (default ${D.maxUnterminatedBytes})`,
    valueHint: 'n',
  },
  'max-send-queue': {
    type: 'string',
    description: `Unsent bytes for a client that stopped reading, e.g. 64k, 1m (default ${D.maxSendQueueBytes / 1024}k)`,
    valueHint: 'size',
  },
  'flood-burst': { type: 'string', description: `Lines at once before delaying; 0 = no flood control (default ${D.floodBurst})`, valueHint: 'n' },
  'flood-rate': { type: 'string', description: `Lines per second after the burst (default ${D.floodLinesPerSecond})`, valueHint: 'n' },
  'flood-max-delayed': {
    type: 'string',
    description: `Delayed lines before disconnecting for flood (default ${D.floodMaxDelayedLines})`,
    valueHint: 'n',
  },
  'registration-timeout': {
    type: 'string',
    description: `Seconds to send JOIN; 0 = no limit (default ${D.registrationTimeoutMs / 1000})`,
    valueHint: 's',
  },
  'ping-interval': { type: 'string', description: `Idle seconds before PING; 0 = never (default ${D.pingIntervalMs / 1000})`, valueHint: 's' },
  'ping-timeout': {
    type: 'string',
    description: `Seconds to answer PING; 0 = never disconnect (default ${D.pingTimeoutMs / 1000})`,
    valueHint: 's',
  },
  'max-connections': { type: 'string', description: `Connections in total (default ${D.maxConnections})`, valueHint: 'n' },
  'max-per-ip': { type: 'string', description: `Connections from one address (default ${D.maxConnectionsPerIp})`, valueHint: 'n' },
  'max-name-length': { type: 'string', description: `Longest user or group name (default ${D.maxNameLength})`, valueHint: 'n' },
  'announce-limit': {
    type: 'string',
    description: `Announce joins and leaves only up to this many users online; 0 = always (default ${D.announceMaxUsers})`,
    valueHint: 'n',
  },
} as const;

/** The flag behind each limit, so a LimitError names what the user typed. */
const FLAG_OF: Record<keyof ChatLimits, keyof typeof limitArgs> = {
  maxLineBytes: 'max-line-bytes',
  maxUnterminatedBytes: 'max-unterminated-bytes',
  maxSendQueueBytes: 'max-send-queue',
  floodBurst: 'flood-burst',
  floodLinesPerSecond: 'flood-rate',
  floodMaxDelayedLines: 'flood-max-delayed',
  registrationTimeoutMs: 'registration-timeout',
  pingIntervalMs: 'ping-interval',
  pingTimeoutMs: 'ping-timeout',
  maxConnections: 'max-connections',
  maxConnectionsPerIp: 'max-per-ip',
  maxNameLength: 'max-name-length',
  announceMaxUsers: 'announce-limit',
};

function limitsFrom(args: Record<keyof typeof limitArgs, string | undefined>): Partial<ChatLimits> {
  const flag = (name: keyof typeof limitArgs) => `--${name}`;
  return {
    maxLineBytes: parseCount(args['max-line-bytes'], flag('max-line-bytes')),
    maxUnterminatedBytes: parseCount(args['max-unterminated-bytes'], flag('max-unterminated-bytes')),
    maxSendQueueBytes: parseBytes(args['max-send-queue'], flag('max-send-queue')),
    floodBurst: parseCount(args['flood-burst'], flag('flood-burst')),
    floodLinesPerSecond: parseDecimal(args['flood-rate'], flag('flood-rate')),
    floodMaxDelayedLines: parseCount(args['flood-max-delayed'], flag('flood-max-delayed')),
    registrationTimeoutMs: parseSeconds(args['registration-timeout'], flag('registration-timeout')),
    pingIntervalMs: parseSeconds(args['ping-interval'], flag('ping-interval')),
    pingTimeoutMs: parseSeconds(args['ping-timeout'], flag('ping-timeout')),
    maxConnections: parseCount(args['max-connections'], flag('max-connections')),
    maxConnectionsPerIp: parseCount(args['max-per-ip'], flag('max-per-ip')),
    maxNameLength: parseCount(args['max-name-length'], flag('max-name-length')),
    announceMaxUsers: parseCount(args['announce-limit'], flag('announce-limit')),
  };
}

const endpoint = (a: { address: string; port: number }) => (a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);

function logEvent(logger: ConsolaInstance, event: ChatServerEvent): void {
  switch (event.type) {
    case 'connect':
      return logger.info(`connect #${event.id} from ${endpoint(event.remote)}`);
    case 'register':
      return logger.info(`#${event.id} joined as ${event.name}`);
    case 'disconnect': {
      const who = event.name ? `${event.name} ` : '';
      const reason = DISCONNECT_REASONS[event.reason] + (event.message ? `: ${JSON.stringify(event.message)}` : '');
      return logger.info(`disconnect #${event.id} ${who}(${endpoint(event.remote)}): ${reason}`);
    }
    case 'refuse':
      return logger.warn(`refused ${endpoint(event.remote)}: ${event.code}`);
  }
}

/** Where the server can be reached: for a wildcard host, this machine's non-loopback addresses. */
function reachableAt(address: SocketAddress): string[] {
  if (address.address !== '0.0.0.0' && address.address !== '::') return [];
  return getRuntime()
    .networkAddresses()
    .filter((a) => !a.internal && (address.address === '::' || a.family === 'IPv4'))
    .filter((a) => !a.address.startsWith('fe80:'))
    .map((a) => endpoint({ address: a.address, port: address.port }));
}

export default defineCommand({
  meta: { name: 'serve', description: 'Run the TCP chat server' },
  args: {
    port: { type: 'string', description: 'TCP port to listen on (0 = any free port)', default: '12000' },
    ...hostArg,
    ...limitArgs,
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args);
    const port = parsePort(args.port, '--port');
    const limits = limitsFrom(args);
    let server: ChatServer;
    try {
      server = await startChatServer(getRuntime(), {
        host: args.host,
        port,
        limits,
        onEvent: (event) => logEvent(logger, event),
      });
    } catch (error) {
      if (error instanceof LimitError) throw new UsageError(`--${FLAG_OF[error.option as keyof ChatLimits]}: ${error.message}`);
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
      logger.error(`cannot listen on ${endpoint({ address: args.host, port })}: ${why}`);
      process.exitCode = EXIT.CONNECT;
      return;
    }
    const stopped = new Promise<void>((resolve) => {
      onShutdownSignal((signal) => {
        logger.info(`${signal}: shutting down (${server.connectionCount} connected)`);
        server.close().then(resolve);
      });
    });
    logger.info(`listening on ${endpoint(server.address)}`);
    const others = reachableAt(server.address);
    if (others.length > 0) logger.info(`reachable from other machines at ${others.join(', ')}`);
    await stopped;
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  },
});
