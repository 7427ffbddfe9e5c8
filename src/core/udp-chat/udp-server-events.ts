// What the UDP chat server reports to whoever runs it (`netchat udp-serve` logs these). The
// core never prints; it only emits.
import type { UdpRemote } from '../../runtime/types.ts';
import type { UdpErrorCode } from '../../protocol/udp-chat/udp-error-codes.ts';

/** Why a user left the chat; the text is what the others are told (none for a plain leave). */
export const LEAVE_REASONS = {
  quit: undefined,
  'timed-out': 'timed out',
  replaced: 'replaced',
} as const;

export type LeaveReason = keyof typeof LEAVE_REASONS;

/** Why a datagram was not acted on. */
export const DROP_REASONS = {
  malformed: 'not UTF-8 text',
  'too-long': 'over max-datagram-bytes',
  flood: 'over the rate limit',
  unproven: 'a message from an address that has not sent its join code back',
  'send-cap': 'not sent: over the cap of bytes sent per second',
  'send-failed': 'a send failed',
} as const;

export type DropReason = keyof typeof DROP_REASONS;

export type UdpChatServerEvent =
  | { type: 'challenge'; remote: UdpRemote; name: string; sent: boolean }
  | { type: 'register'; remote: UdpRemote; name: string }
  | { type: 'leave'; remote: UdpRemote; name: string; reason: LeaveReason }
  | { type: 'refuse'; remote: UdpRemote; code: UdpErrorCode; name?: string }
  | { type: 'relay'; remote: UdpRemote; name: string; text: string; recipients: number }
  /** `count` drops of one reason; after the first, one event per second sums up the rest. */
  | { type: 'drop'; remote: UdpRemote; reason: DropReason; count: number; detail?: string };

export type UdpChatServerEventListener = (event: UdpChatServerEvent) => void;
