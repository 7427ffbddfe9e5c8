// A server's `[Limits]` reply tells the client what the server enforces, so the client can stay
// inside it. It must not be able to lift the client's own bounds: a hostile server (or anyone
// on an unencrypted path) could otherwise name a line of a terabyte, or a rate so small that
// the pacing timer overflows and fires every millisecond. So each value the client uses is
// clamped into a range of its own; values outside it are raised or lowered to the nearest end,
// and keys the client does not use are ignored. docs/PROTOCOL.md (Client behaviour) lists the
// ranges.
import type { LimitsReplyValues } from '../../protocol/chat/limits-reply.ts';
import type { ServerFloodLimits } from './client-pacer.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface LimitRange {
  min: number;
  max: number;
}

/** The client-side range of every `[Limits]` value the client acts on. */
export const SERVER_LIMIT_RANGES = Object.freeze({
  /** The longest line the client will send. */
  maxLineBytes: Object.freeze({ min: 16, max: 1 * MiB }),
  /**
   * The longest line the client will read. The floor is what the client reads before any
   * `[Limits]` arrives, so a server can raise it (up to the ceiling) but not lower it.
   */
  maxReplyBytes: Object.freeze({ min: 256 * KiB, max: 4 * MiB }),
  /** Lines at once; 0 means the server has no flood control and the client does not pace. */
  floodBurst: Object.freeze({ min: 0, max: 10_000 }),
  /** Lines per second: at the floor one line waits at most about 11 s, a timer any runtime keeps. */
  floodLinesPerSecond: Object.freeze({ min: 0.1, max: 10_000 }),
} satisfies Record<string, LimitRange>);

/** What the client takes from a `[Limits]` reply, each value within its range. */
export interface ClientBoundsFromServer {
  maxLineBytes?: number;
  maxReplyBytes?: number;
  flood?: ServerFloodLimits;
}

export function clampToRange(value: number, range: LimitRange): number {
  return Math.min(range.max, Math.max(range.min, value));
}

/** The values the client uses from a `[Limits]` reply (already read as finite numbers), clamped. */
export function clientBoundsFrom(limits: Partial<LimitsReplyValues>): ClientBoundsFromServer {
  const ranges = SERVER_LIMIT_RANGES;
  const bounds: ClientBoundsFromServer = {};
  if (limits.maxLineBytes !== undefined) bounds.maxLineBytes = Math.floor(clampToRange(limits.maxLineBytes, ranges.maxLineBytes));
  if (limits.maxReplyBytes !== undefined) bounds.maxReplyBytes = Math.floor(clampToRange(limits.maxReplyBytes, ranges.maxReplyBytes));
  if (limits.floodBurst !== undefined) {
    const burst = Math.floor(clampToRange(limits.floodBurst, ranges.floodBurst));
    // A burst with no rate (or a rate of 0) is no reason to stop sending: the floor applies.
    const linesPerSecond = clampToRange(limits.floodLinesPerSecond ?? 0, ranges.floodLinesPerSecond);
    bounds.flood = { burst, linesPerSecond };
  }
  return bounds;
}
