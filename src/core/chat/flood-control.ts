// Token-bucket flood control. A client may send `floodBurst` lines at once; after that one token
// comes back every 1/floodLinesPerSecond seconds. A line that finds no token is not refused but
// held (delayed) by the session until a token is there, so a fast but honest client is slowed
// down, never cut off; only a client that runs far ahead (more than floodMaxDelayedLines held)
// is disconnected. The clock is passed in, so tests drive it by hand.
import type { ChatLimits } from './chat-limits.ts';

const EPSILON = 1e-9;

export type FloodLimits = Pick<ChatLimits, 'floodBurst' | 'floodLinesPerSecond'>;

export class FloodBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limits: FloodLimits,
    now: number,
  ) {
    this.tokens = limits.floodBurst;
    this.refilledAt = now;
  }

  /**
   * Take a token for one line. Returns 0 when the line may be processed now, otherwise the
   * milliseconds until a token will be there (nothing is taken then).
   */
  take(now: number): number {
    const { floodBurst, floodLinesPerSecond } = this.limits;
    if (this.tokens < floodBurst) {
      const elapsed = now - this.refilledAt;
      if (elapsed > 0) this.tokens = Math.min(floodBurst, this.tokens + (elapsed * floodLinesPerSecond) / 1000);
    }
    this.refilledAt = now;
    // The epsilon absorbs floating-point residue (0.996 + 0.004 tokens must make a whole one).
    if (this.tokens >= 1 - EPSILON) {
      this.tokens = Math.max(0, this.tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / floodLinesPerSecond - EPSILON));
  }
}

/** Whether the limits switch flood control on at all. */
export function floodControlEnabled(limits: FloodLimits): boolean {
  return limits.floodBurst > 0;
}
