// Every limit of the echo server and client in typed objects, each with a `netchat echo` flag.
// Validated once at startup, then passed down. Memory per TCP client stays bounded without a
// send-queue limit: a client that does not read is paused (see echo-session.ts).

import { mergeLimits } from '../shared/limit-rules.ts';

export interface EchoLimits {
  /** TCP connections at once; one more is closed at accept (in --lines mode after ERROR SERVER_FULL). */
  maxClients: number;
  /** --lines: longest line echoed, in bytes without CR LF; a longer one is answered with ERROR LINE_TOO_LONG. */
  maxLineBytes: number;
  /** --udp: replies handed to the socket and not yet sent; past this, datagrams go unanswered. */
  maxPendingReplies: number;
  /** --udp: replies to one address (any port) per second; 0 = no cap. Bounds what a forged source can aim at a victim. */
  maxRepliesPerAddress: number;
  /** --udp: replies to everyone together per second; 0 = no cap. Bounds what the server sends in all. */
  maxRepliesPerSecond: number;
}

export const DEFAULT_ECHO_LIMITS: Readonly<EchoLimits> = Object.freeze({
  maxClients: 10_000,
  maxLineBytes: 16 * 1024,
  maxPendingReplies: 1024,
  // A probe client sends 5 a second and a piped stream keeps 64 in flight: far below these.
  maxRepliesPerAddress: 1000,
  maxRepliesPerSecond: 10_000,
});

const MINIMUMS: Record<keyof EchoLimits, number> = {
  maxClients: 1,
  maxLineBytes: 1,
  maxPendingReplies: 1,
  maxRepliesPerAddress: 0,
  maxRepliesPerSecond: 0,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveEchoLimits(overrides: Partial<EchoLimits> = {}): EchoLimits {
  return mergeLimits(DEFAULT_ECHO_LIMITS, overrides, MINIMUMS, { wholeNumbers: true });
}

/** How long the echo client waits (`netchat echo <server>`). */
export interface EchoClientLimits {
  /** Longest wait for the TCP connection, and for each reply (UDP: silence before a datagram counts as lost). */
  timeoutMs: number;
  /** --count: from one probe's send to the next. */
  intervalMs: number;
}

export const DEFAULT_ECHO_CLIENT_LIMITS: Readonly<EchoClientLimits> = Object.freeze({
  timeoutMs: 5000,
  intervalMs: 200,
});

const CLIENT_MINIMUMS: Record<keyof EchoClientLimits, number> = {
  // A wait of no time at all would count every reply lost.
  timeoutMs: 1,
  intervalMs: 0,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveEchoClientLimits(overrides: Partial<EchoClientLimits> = {}): EchoClientLimits {
  return mergeLimits(DEFAULT_ECHO_CLIENT_LIMITS, overrides, CLIENT_MINIMUMS, { wholeNumbers: false });
}
