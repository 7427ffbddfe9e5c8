// What the UDP chat client promises and reports: how it ends, the results of join and send,
// its options and events.
import type { UdpServerEvent } from '../../protocol/udp-chat/server-datagrams.ts';
import type { PacerMargin } from '../chat-client/client-pacer.ts';
import type { Clock } from '../shared/clock.ts';

export type UdpCloseReason =
  /** We sent /quit and the server said goodbye. */
  | 'quit'
  /** The server announced it is shutting down. */
  | 'shutdown'
  /** The server dropped us (IDLE_TIMEOUT, REPLACED). */
  | 'kicked'
  /** No answer: to the registration, to the leave, or nothing at all for server-timeout. */
  | 'timeout'
  /** Sending failed (unknown host, unreachable network). */
  | 'error'
  /** Closed locally by `close()`. */
  | 'aborted';

export interface UdpCloseInfo {
  reason: UdpCloseReason;
  code?: string;
  message?: string;
}

export type UdpJoinResult =
  | { ok: true; name: string; online: number }
  /** The server refused the name (NAME_TAKEN, NAME_INVALID, SERVER_FULL); another `join` may be tried. */
  | { ok: false; code: string; message: string }
  | { ok: false; code: 'CLOSED'; message: string; close: UdpCloseInfo };

export type UdpSendResult =
  | { ok: true }
  | { ok: false; code: 'DATAGRAM_TOO_LONG' | 'COMMAND_TEXT' | 'EMPTY' | 'CLOSED' | 'LEAVING'; message: string };

export interface UdpChatClientOptions {
  host: string;
  port: number;
  clock?: Clock;
  /** Give up joining (and leaving) after this long without the server's answer. */
  replyTimeoutMs?: number;
  /** Nothing from the server for this long means it is gone; the client pings every third of it. */
  serverTimeoutMs?: number;
  /** The first re-send of an unanswered join, code or leave; doubled each time up to 2 s. */
  retransmitMs?: number;
  pacerMargin?: PacerMargin;
}

export interface UdpChatClientEvents {
  /** Every datagram from the server except pongs, join codes, probes and repeated welcomes. */
  event: (event: UdpServerEvent, text: string) => void;
  /** The queue of messages became empty. */
  drain: () => void;
  close: (info: UdpCloseInfo) => void;
}
