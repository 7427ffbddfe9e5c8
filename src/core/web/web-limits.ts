// Every limit of the web server in one typed object with documented defaults, validated once.
// The chat over a WebSocket keeps the chat server's own limits (lines, flood control, send
// queue, connections per address); these bound what HTTP adds in front of it.
import { mergeLimits } from '../shared/limit-rules.ts';

export interface WebLimits {
  /** Largest request head (request line and headers), in bytes; past it: 431. */
  maxHeaderBytes: number;
  /** A request head that has not fully arrived after this long is dropped (slow-loris). */
  headersTimeoutMs: number;
  /** Idle keep-alive connections close after this long. */
  keepAliveTimeoutMs: number;
  /** Open HTTP connections from one address (an IPv6 /64), WebSockets included (they also count as chat connections). */
  maxHttpConnectionsPerIp: number;
}

export const DEFAULT_WEB_LIMITS: Readonly<WebLimits> = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHttpConnectionsPerIp: 32,
});

const MINIMUMS: Record<keyof WebLimits, number> = {
  maxHeaderBytes: 1024,
  headersTimeoutMs: 1000,
  keepAliveTimeoutMs: 1000,
  maxHttpConnectionsPerIp: 1,
};

export function resolveWebLimits(overrides: Partial<WebLimits> = {}): WebLimits {
  return mergeLimits(DEFAULT_WEB_LIMITS, overrides, MINIMUMS, { wholeNumbers: true });
}
