// The cap on bytes the server sends per second, to everyone together: a token bucket of bytes
// holding one second's worth. A send that finds the bucket short is refused, except that a full
// bucket lets one send through however large (a relay to a big room may cost more than a
// second's worth, and must not be refused for ever); the bucket then runs into debt.

export class SendRateCap {
  private tokens: number;
  private refilledAt: number;

  /** `bytesPerSecond` 0 means no cap. */
  constructor(
    private readonly bytesPerSecond: number,
    now: number,
  ) {
    this.tokens = bytesPerSecond;
    this.refilledAt = now;
  }

  /** Spend `bytes` if the cap allows them now; returns whether it did. */
  trySpend(bytes: number, now: number): boolean {
    if (this.bytesPerSecond === 0) return true;
    this.refill(now);
    if (this.tokens < bytes && this.tokens < this.bytesPerSecond) return false;
    this.tokens -= bytes;
    return true;
  }

  /** Spend `bytes` even past the cap: for the few datagrams that must go (acknowledgements). */
  spend(bytes: number, now: number): void {
    if (this.bytesPerSecond === 0) return;
    this.refill(now);
    this.tokens -= bytes;
  }

  private refill(now: number): void {
    const elapsed = now - this.refilledAt;
    this.refilledAt = now;
    if (elapsed > 0) this.tokens = Math.min(this.bytesPerSecond, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
  }
}
