// Every limit of the UDP chat server in one typed object, each with a `netchat udp-serve` flag.
// Validated once at startup, then passed down.
import { JOIN_PADDED_BYTES } from '../../protocol/udp-chat/client-datagrams.ts';
import { LimitError, mergeLimits } from '../shared/limit-rules.ts';

export { LimitError };

export interface UdpChatLimits {
  /** Largest datagram accepted, in bytes; a larger one is dropped (DATAGRAM_TOO_LONG). */
  maxDatagramBytes: number;
  /** Datagrams one address may send at once before the rate limit drops them. 0 = no rate limit. */
  floodBurst: number;
  /** Datagrams per second one address may send once its burst is spent. */
  floodDatagramsPerSecond: number;
  /** Users in the chat at once (SERVER_FULL); also the cap on registrations awaiting their code. */
  maxClients: number;
  /** Bytes the server sends per second, to everyone together; past it, messages are not relayed (SERVER_BUSY). 0 = no cap. */
  maxSendBytesPerSecond: number;
  /** An address silent this long leaves the chat (IDLE_TIMEOUT). 0 = never. */
  idleTimeoutMs: number;
  /** A registration whose code has not come back after this long is forgotten. */
  registrationTimeoutMs: number;
  /** Longest user name. */
  maxNameLength: number;
}

export const DEFAULT_UDP_CHAT_LIMITS: Readonly<UdpChatLimits> = Object.freeze({
  // Relayed with a name in front, a 1024-byte message stays under the 1,232 bytes that cross
  // any IPv6 path without fragmenting.
  maxDatagramBytes: 1024,
  floodBurst: 10,
  floodDatagramsPerSecond: 5,
  maxClients: 1000,
  maxSendBytesPerSecond: 2 * 1024 * 1024,
  idleTimeoutMs: 120_000,
  registrationTimeoutMs: 30_000,
  maxNameLength: 32,
});

/** The most one UDP datagram over IPv4 carries (65,535 less the IP and UDP headers). */
const MAX_UDP_PAYLOAD_BYTES = 65_507;
/** ` ~ ` between a relayed message's sender and its text. */
const RELAY_PREFIX_BYTES = 3;

const MINIMUMS: Record<keyof UdpChatLimits, number> = {
  // netchat's client pads its `/join` to this size (JOIN_PADDED_BYTES), so the answer to it fits.
  maxDatagramBytes: JOIN_PADDED_BYTES,
  floodBurst: 0,
  floodDatagramsPerSecond: 0,
  maxClients: 1,
  maxSendBytesPerSecond: 0,
  idleTimeoutMs: 0,
  registrationTimeoutMs: 100,
  maxNameLength: 1,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveUdpChatLimits(overrides: Partial<UdpChatLimits> = {}): UdpChatLimits {
  const limits = mergeLimits(DEFAULT_UDP_CHAT_LIMITS, overrides, MINIMUMS, { wholeNumbers: false });
  if (limits.floodBurst > 0 && limits.floodDatagramsPerSecond <= 0) {
    throw new LimitError<keyof UdpChatLimits>('floodDatagramsPerSecond', 'floodDatagramsPerSecond must be > 0 while the rate limit is on');
  }
  for (const key of ['maxDatagramBytes', 'maxClients', 'maxNameLength', 'floodBurst'] as const) {
    if (!Number.isInteger(limits[key])) throw new LimitError<keyof UdpChatLimits>(key, `${key} must be a whole number`);
  }
  // A message is relayed as `<name> ~ <message>`: the longest must still fit in one datagram.
  const largest = MAX_UDP_PAYLOAD_BYTES - RELAY_PREFIX_BYTES - limits.maxNameLength;
  if (limits.maxDatagramBytes > largest) {
    throw new LimitError<keyof UdpChatLimits>(
      'maxDatagramBytes',
      `maxDatagramBytes must be at most ${largest} with maxNameLength ${limits.maxNameLength}: a relayed message, its sender's name in front, must fit in one UDP datagram (${MAX_UDP_PAYLOAD_BYTES} bytes)`,
    );
  }
  return limits;
}

/** The client's own limits, each with a `netchat udp-join` flag. */
export interface UdpChatClientLimits {
  /** Longest wait for the server's answer to joining, and to leaving. */
  replyTimeoutMs: number;
  /** Nothing from the server for this long means it is gone; the client pings every third of it. */
  serverTimeoutMs: number;
}

export const DEFAULT_UDP_CHAT_CLIENT_LIMITS: Readonly<UdpChatClientLimits> = Object.freeze({
  replyTimeoutMs: 10_000,
  serverTimeoutMs: 30_000,
});

const CLIENT_MINIMUMS: Record<keyof UdpChatClientLimits, number> = {
  // A wait of no time at all would give up before the first answer could come.
  replyTimeoutMs: 1,
  serverTimeoutMs: 1,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveUdpChatClientLimits(overrides: Partial<UdpChatClientLimits> = {}): UdpChatClientLimits {
  return mergeLimits(DEFAULT_UDP_CHAT_CLIENT_LIMITS, overrides, CLIENT_MINIMUMS, { wholeNumbers: false });
}

/** The limits a client needs, as the welcome datagram states them. */
export function advertisedLimits(limits: UdpChatLimits): Record<string, number> {
  return {
    'max-datagram-bytes': limits.maxDatagramBytes,
    'flood-burst': limits.floodBurst,
    'flood-rate': limits.floodDatagramsPerSecond,
    'idle-timeout-ms': limits.idleTimeoutMs,
  };
}
