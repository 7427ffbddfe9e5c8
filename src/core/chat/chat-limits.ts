// Every limit of the chat server in one typed object. Defaults follow mature chat servers
// (ergo, InspIRCd); each has a `netchat serve` flag. Validated once, at startup, and then
// passed down — never global.

import { LimitError, mergeLimits } from '../shared/limit-rules.ts';

export { LimitError };

export interface ChatLimits {
  /** Longest line accepted, in bytes without CR LF; a longer line gets ERROR LINE_TOO_LONG and is dropped. */
  maxLineBytes: number;
  /** Bytes without a newline before the connection is closed (ERROR INPUT_OVERFLOW). */
  maxUnterminatedBytes: number;
  /** Bytes queued for a client that is not reading before it is disconnected (ERROR SEND_QUEUE_FULL). */
  maxSendQueueBytes: number;
  /** Lines a client may send at once before flood control starts delaying it. 0 turns flood control off. */
  floodBurst: number;
  /** Lines per second a client may send once its burst is spent. */
  floodLinesPerSecond: number;
  /** Lines held back by flood control before the client is disconnected (ERROR FLOOD). */
  floodMaxDelayedLines: number;
  /** Time to complete JOIN after connecting (ERROR REGISTRATION_TIMEOUT). */
  registrationTimeoutMs: number;
  /** Silence after which the server sends PING. */
  pingIntervalMs: number;
  /** Further silence after PING before disconnecting (ERROR PING_TIMEOUT). */
  pingTimeoutMs: number;
  /** Connections in total (ERROR SERVER_FULL). */
  maxConnections: number;
  /**
   * Connections open at once from one address (ERROR TOO_MANY_CONNECTIONS). An address is an
   * IPv4 address or an IPv6 /64 (address-key.ts); the address also shares one flood bucket
   * worth this many connections, kept after they close until it has refilled.
   */
  maxConnectionsPerIp: number;
  /**
   * New connections per second from one address, after a burst of maxConnectionsPerIp
   * (ERROR CONNECTING_TOO_FAST). 0 = no limit.
   */
  connectRatePerIp: number;
  /** Longest user or group name. */
  maxNameLength: number;
  /** Groups one user may be in at once (ERROR TOO_MANY_GROUPS). */
  maxGroupsPerUser: number;
  /** Groups on the server at once; joining an existing group still works (ERROR GROUPS_FULL). */
  maxGroups: number;
  /**
   * Group joins and leaves are announced to the other members while the group has at most this
   * many members, counting the one joining or leaving; 0 = always. As announceMaxUsers, for a group.
   */
  groupAnnounceMaxMembers: number;
  /**
   * Joins and leaves are announced while at most this many users are online; 0 = always.
   * Announcing to everyone makes N users joining cost N² lines, so busy servers stay quiet, as
   * large IRC channels do in auditorium mode.
   */
  announceMaxUsers: number;
  /**
   * Join and leave notices per second for the whole server; the rest are summed up in one line
   * a second. A storm of connect-JOIN-QUIT cycles then costs each user a few lines a second, not
   * a line per join and leave. 0 = no limit.
   */
  announceMaxPerSecond: number;
  /**
   * Names per LIST_USERS or LIST_GROUPS reply; a longer listing ends with where to continue
   * (`More: LIST_USERS AFTER <name>`), so no reply grows with the server.
   */
  listPageEntries: number;
}

export const DEFAULT_CHAT_LIMITS: Readonly<ChatLimits> = Object.freeze({
  maxLineBytes: 4096,
  maxUnterminatedBytes: 16 * 1024,
  maxSendQueueBytes: 1024 * 1024,
  floodBurst: 10,
  floodLinesPerSecond: 5,
  floodMaxDelayedLines: 100,
  registrationTimeoutMs: 60_000,
  pingIntervalMs: 120_000,
  pingTimeoutMs: 60_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 16,
  connectRatePerIp: 2,
  maxNameLength: 32,
  maxGroupsPerUser: 20,
  maxGroups: 10_000,
  groupAnnounceMaxMembers: 100,
  announceMaxUsers: 1000,
  announceMaxPerSecond: 10,
  listPageEntries: 500,
});

const MINIMUMS: Record<keyof ChatLimits, number> = {
  maxLineBytes: 16,
  maxUnterminatedBytes: 16,
  maxSendQueueBytes: 1024,
  floodBurst: 0,
  floodLinesPerSecond: 0,
  floodMaxDelayedLines: 1,
  registrationTimeoutMs: 0,
  pingIntervalMs: 0,
  pingTimeoutMs: 0,
  maxConnections: 1,
  maxConnectionsPerIp: 1,
  connectRatePerIp: 0,
  maxNameLength: 1,
  maxGroupsPerUser: 1,
  maxGroups: 1,
  groupAnnounceMaxMembers: 0,
  announceMaxUsers: 0,
  announceMaxPerSecond: 0,
  listPageEntries: 1,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveChatLimits(overrides: Partial<ChatLimits> = {}): ChatLimits {
  // Not whole numbers only: a flood rate may be fractional (one line every two seconds).
  const limits = mergeLimits(DEFAULT_CHAT_LIMITS, overrides, MINIMUMS, { wholeNumbers: false });
  if (limits.maxUnterminatedBytes < limits.maxLineBytes) {
    throw new LimitError<keyof ChatLimits>('maxUnterminatedBytes', 'maxUnterminatedBytes must be at least maxLineBytes');
  }
  if (limits.floodBurst > 0 && limits.floodLinesPerSecond <= 0) {
    throw new LimitError<keyof ChatLimits>('floodLinesPerSecond', 'floodLinesPerSecond must be > 0 while flood control is on');
  }
  return limits;
}
