// Client-side token bucket: the client keeps itself under the server's flood control, so the
// server never has to delay (and at worst disconnect) it. The server's bucket starts full when
// the connection opens and charges every line, JOIN and LIMITS included, so this bucket does
// too: it counts what has been spent since connecting and only the capacity and refill rate
// change once the server's real limits are known.
export interface ServerFloodLimits {
  /** Lines the server accepts at once; 0 means the server has no flood control. */
  burst: number;
  /** Lines per second the server accepts once the burst is spent. */
  linesPerSecond: number;
}

export interface PacerMargin {
  /** Lines kept in reserve below the server's burst (the bucket never goes below 1). */
  burstReserve: number;
  /** Fraction of the server's rate used, so timer and network jitter never bunch us over it. */
  rateFactor: number;
}

export const DEFAULT_PACER_MARGIN: Readonly<PacerMargin> = Object.freeze({ burstReserve: 1, rateFactor: 0.9 });

export class ClientPacer {
  private capacity = 0;
  private perMs = 0;
  /** Tokens spent and not yet refilled, as of `updatedAt`. May exceed capacity (see `charge`). */
  private spent = 0;
  private updatedAt: number;
  private unlimited = false;

  constructor(
    limits: ServerFloodLimits,
    private readonly now: () => number,
    private readonly margin: PacerMargin = DEFAULT_PACER_MARGIN,
  ) {
    this.updatedAt = now();
    this.configure(limits);
  }

  /** Adopt the server's limits (from its LIMITS reply); what was already spent stays spent. */
  configure(limits: ServerFloodLimits): void {
    this.refill();
    this.unlimited = limits.burst <= 0 || !(limits.linesPerSecond > 0);
    this.capacity = Math.max(1, limits.burst - this.margin.burstReserve);
    this.perMs = (limits.linesPerSecond * this.margin.rateFactor) / 1000;
  }

  /** Milliseconds until a line may be sent; 0 means now. */
  delay(): number {
    if (this.unlimited) return 0;
    this.refill();
    const missing = this.spent + 1 - this.capacity;
    return missing <= 0 ? 0 : Math.ceil(missing / this.perMs);
  }

  /** Spend one token if one is available; returns whether it was. */
  tryTake(): boolean {
    if (this.delay() > 0) return false;
    this.spent += 1;
    return true;
  }

  /** Spend a token even if none is left: for replies that must not wait, such as PONG. */
  charge(): void {
    this.refill();
    this.spent += 1;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.spent = Math.max(0, this.spent - elapsed * this.perMs);
  }
}
