// Token buckets, for flood control and for the connection rate per address. A bucket holds up
// to `capacity` tokens and gets `perSecond` back every second. For flood control a line that
// finds no token is not refused but held (delayed) by the session until a token is there, so a
// fast but honest client is slowed down, never cut off; only a client that runs far ahead (more
// than floodMaxDelayedLines held) is disconnected. A costly reply is charged on top and may
// leave the bucket in debt, which delays what follows. The clock is passed in, so tests drive
// it by hand.
import type { ChatLimits } from './chat-limits.ts';

const EPSILON = 1e-9;

export type FloodLimits = Pick<ChatLimits, 'floodBurst' | 'floodLinesPerSecond'>;

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Milliseconds until a whole token is there; 0 when one is there now. Takes nothing. */
  wait(now: number): number {
    this.refill(now);
    // The epsilon absorbs floating-point residue (0.996 + 0.004 tokens must make a whole one).
    if (this.tokens >= 1 - EPSILON) return 0;
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond - EPSILON));
  }

  /**
   * Take a token for one line (or one connection). Returns 0 when it may go ahead now,
   * otherwise the milliseconds until a token will be there (nothing is taken then).
   */
  take(now: number): number {
    const wait = this.wait(now);
    if (wait === 0) this.tokens = Math.max(0, this.tokens - 1);
    return wait;
  }

  /** Take `count` more tokens whether or not they are there: the debt delays what follows. */
  charge(count: number, now: number): void {
    this.refill(now);
    this.tokens -= count;
  }

  /** Give `count` tokens back, up to the capacity. */
  give(count: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens + count);
  }

  /** When the bucket will be full again; `now` when it is. */
  fullAt(now: number): number {
    this.refill(now);
    if (this.tokens >= this.capacity - EPSILON) return now;
    return now + Math.ceil(((this.capacity - this.tokens) * 1000) / this.perSecond);
  }

  private refill(now: number): void {
    if (this.tokens < this.capacity) {
      const elapsed = now - this.refilledAt;
      if (elapsed > 0) this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
    }
    this.refilledAt = now;
  }
}

/** One connection's (or UDP peer's) flood bucket: `floodBurst` lines at once, then `floodLinesPerSecond`. */
export class FloodBucket extends TokenBucket {
  constructor(limits: FloodLimits, now: number) {
    super(limits.floodBurst, limits.floodLinesPerSecond, now);
  }
}

/** The flood tokens a reply of `bytes` costs: one per max-line-bytes started, at least one (the line that asked). */
export function replyTokens(bytes: number, maxLineBytes: number): number {
  return Math.max(1, Math.ceil(bytes / maxLineBytes));
}

/** Whether the limits switch flood control on at all. */
export function floodControlEnabled(limits: FloodLimits): boolean {
  return limits.floodBurst > 0;
}
