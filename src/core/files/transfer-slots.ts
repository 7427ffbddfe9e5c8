// How many transfers run at once, per user (or per address for connections without a name) and
// on the whole server. A transfer holds its slot from the moment it is accepted until it ends,
// however it ends.
export class TransferSlots {
  private readonly byOwner = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perOwner: number,
    private readonly overall: number,
  ) {}

  get active(): number {
    return this.total;
  }

  /** Take a slot for `owner`; returns its release (idempotent), or undefined when a limit is reached. */
  acquire(owner: string): (() => void) | undefined {
    const held = this.byOwner.get(owner) ?? 0;
    if (held >= this.perOwner || this.total >= this.overall) return undefined;
    this.byOwner.set(owner, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byOwner.get(owner) ?? 1) - 1;
      if (left > 0) this.byOwner.set(owner, left);
      else this.byOwner.delete(owner);
    };
  }
}
