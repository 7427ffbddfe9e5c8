// `netchat udp-serve`'s flag for every UDP chat limit, and their parsing into UdpChatLimits
// overrides. Defaults shown in --help come from DEFAULT_UDP_CHAT_LIMITS, so help cannot drift.
import { DEFAULT_UDP_CHAT_LIMITS as D, type UdpChatLimits } from '../core/udp-chat/udp-chat-limits.ts';
import { parseBytes, parseCount, parseDecimal, parseSeconds } from './_shared.ts';

const kib = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024}m` : `${bytes / 1024}k`);

export const udpLimitArgs = {
  'max-datagram-bytes': { type: 'string', description: `Largest datagram accepted, ≥ 128 (default ${D.maxDatagramBytes})`, valueHint: 'n' },
  'flood-burst': {
    type: 'string',
    description: `Datagrams from one address at once; 0 = no rate limit (default ${D.floodBurst})`,
    valueHint: 'n',
  },
  'flood-rate': { type: 'string', description: `Datagrams per second from one address after the burst (default ${D.floodDatagramsPerSecond})`, valueHint: 'n' },
  'max-clients': { type: 'string', description: `Users in the chat (default ${D.maxClients})`, valueHint: 'n' },
  'max-send-rate': {
    type: 'string',
    description: `Bytes sent per second to everyone together, e.g. 512k, 4m; 0 = no cap (default ${kib(D.maxSendBytesPerSecond)})`,
    valueHint: 'size',
  },
  'idle-timeout': {
    type: 'string',
    description: `Seconds of silence before a user leaves the chat; 0 = never (default ${D.idleTimeoutMs / 1000})`,
    valueHint: 's',
  },
  'registration-timeout': {
    type: 'string',
    description: `Seconds to send the join code back (default ${D.registrationTimeoutMs / 1000})`,
    valueHint: 's',
  },
  'max-name-length': { type: 'string', description: `Longest user name (default ${D.maxNameLength})`, valueHint: 'n' },
} as const;

/** The flag behind each limit, so a LimitError names what the user typed. */
export const UDP_FLAG_OF: Record<keyof UdpChatLimits, keyof typeof udpLimitArgs> = {
  maxDatagramBytes: 'max-datagram-bytes',
  floodBurst: 'flood-burst',
  floodDatagramsPerSecond: 'flood-rate',
  maxClients: 'max-clients',
  maxSendBytesPerSecond: 'max-send-rate',
  idleTimeoutMs: 'idle-timeout',
  registrationTimeoutMs: 'registration-timeout',
  maxNameLength: 'max-name-length',
};

export function udpLimitsFrom(args: Record<keyof typeof udpLimitArgs, string | undefined>): Partial<UdpChatLimits> {
  const flag = (name: keyof typeof udpLimitArgs) => `--${name}`;
  return {
    maxDatagramBytes: parseCount(args['max-datagram-bytes'], flag('max-datagram-bytes')),
    floodBurst: parseCount(args['flood-burst'], flag('flood-burst')),
    floodDatagramsPerSecond: parseDecimal(args['flood-rate'], flag('flood-rate')),
    maxClients: parseCount(args['max-clients'], flag('max-clients')),
    maxSendBytesPerSecond: parseBytes(args['max-send-rate'], flag('max-send-rate')),
    idleTimeoutMs: parseSeconds(args['idle-timeout'], flag('idle-timeout')),
    registrationTimeoutMs: parseSeconds(args['registration-timeout'], flag('registration-timeout')),
    maxNameLength: parseCount(args['max-name-length'], flag('max-name-length')),
  };
}
