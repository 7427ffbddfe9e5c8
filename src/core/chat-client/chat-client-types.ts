// What the chat client promises and reports: how a connection ends, the results of join,
// login and send, its options and events, and the error of a failed connect. Its own file so
// that the sessions, commands and transfers that only speak of these need not load the client.
import type { ServerEvent } from '../../protocol/chat/chat-lines.ts';
import type { Clock } from '../shared/clock.ts';
import type { PacerMargin } from './client-pacer.ts';

export type CloseReason =
  /** We sent QUIT and the server closed: the clean end. */
  | 'quit'
  /** The server closed without saying why. */
  | 'server-closed'
  /** The server announced it is shutting down. */
  | 'shutdown'
  /** The server sent a fatal ERROR (FLOOD, PING_TIMEOUT, SERVER_FULL, …) and closed. */
  | 'kicked'
  /** A socket error (reset, unreadable stream). */
  | 'error'
  /** The server did not answer JOIN, or did not close after QUIT, in time. */
  | 'timeout'
  /** Closed locally by `close()`. */
  | 'aborted';

export interface CloseInfo {
  reason: CloseReason;
  /** The ERROR code for 'kicked', the errno-style code for 'error'. */
  code?: string;
  message?: string;
}

export type SendResult =
  | { ok: true }
  | { ok: false; code: 'LINE_TOO_LONG' | 'INVALID_LINE' | 'CLOSED' | 'LEAVING' | 'NOT_CONNECTED'; message: string };

export type JoinResult =
  | { ok: true; name: string; online: number; text: string }
  /** The server refused the name (NAME_TAKEN, NAME_INVALID, …); another `join` may be tried. */
  | { ok: false; code: string; message: string }
  | { ok: false; code: 'CLOSED'; message: string; close: CloseInfo };

/** The answer to AUTH or PASS. */
export type LoginResult = { ok: true } | { ok: false; code: string; message: string; close?: CloseInfo };

export interface ChatClientOptions {
  host: string;
  port: number;
  /** Give up connecting after this long; 0 leaves it to the OS. */
  connectTimeoutMs?: number;
  /** Wait this long for the answer to JOIN, and for the close after QUIT. */
  replyTimeoutMs?: number;
  /** Wait this long for the LIMITS answer before assuming the default limits. */
  limitsTimeoutMs?: number;
  clock?: Clock;
  pacerMargin?: PacerMargin;
}

export interface ChatClientEvents {
  /** Every line from the server except PING/PONG and the LIMITS answer the client asked for. */
  event: (event: ServerEvent, line: string) => void;
  /** The send queue became empty. */
  drain: () => void;
  close: (info: CloseInfo) => void;
}

/** Connecting failed: refused, unknown host, unreachable, timed out. */
export class ConnectError extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}
