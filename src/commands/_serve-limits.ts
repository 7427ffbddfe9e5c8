// `netchat serve`'s flag for every chat limit, and the parsing of those flags into ChatLimits
// overrides. Defaults shown in --help come from DEFAULT_CHAT_LIMITS, so help cannot drift.
import { DEFAULT_CHAT_LIMITS as D, type ChatLimits } from '../core/chat/chat-limits.ts';
import { parseBytes, parseCount, parseDecimal, parseSeconds } from './_shared.ts';

export const limitArgs = {
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
  'connect-rate': {
    type: 'string',
    description: `New connections per second from one address after a burst of max-per-ip; 0 = no limit (default ${D.connectRatePerIp})`,
    valueHint: 'n',
  },
  'max-name-length': { type: 'string', description: `Longest user or group name (default ${D.maxNameLength})`, valueHint: 'n' },
  'announce-limit': {
    type: 'string',
    description: `Announce joins and leaves only up to this many users online; 0 = always (default ${D.announceMaxUsers})`,
    valueHint: 'n',
  },
} as const;

/** The flag behind each limit, so a LimitError names what the user typed. */
export const FLAG_OF: Record<keyof ChatLimits, keyof typeof limitArgs> = {
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
  connectRatePerIp: 'connect-rate',
  maxNameLength: 'max-name-length',
  announceMaxUsers: 'announce-limit',
};

export function limitsFrom(args: Record<keyof typeof limitArgs, string | undefined>): Partial<ChatLimits> {
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
    connectRatePerIp: parseDecimal(args['connect-rate'], flag('connect-rate')),
    maxNameLength: parseCount(args['max-name-length'], flag('max-name-length')),
    announceMaxUsers: parseCount(args['announce-limit'], flag('announce-limit')),
  };
}
