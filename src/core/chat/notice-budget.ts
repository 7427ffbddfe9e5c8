// How many join and leave notices the whole server sends a second. Each notice goes to every
// user, so a storm of connect-JOIN-QUIT cycles (600 a second are easy from a few addresses)
// would cost every user a megabyte of notices in seconds. Within one second the first
// `perSecond` notices go out; the rest are counted, and once that second is over the registry
// sends everyone one line that sums them up. No timer: the count is settled by the next notice or
// by the server's sweep, whichever comes first.

export interface HeldNotices {
  joins: number;
  leaves: number;
}

const WINDOW_MS = 1000;

export class NoticeBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private sent = 0;
  private held: HeldNotices = { joins: 0, leaves: 0 };

  /** `perSecond` 0 = no limit. */
  constructor(readonly perSecond: number) {}

  /** Whether one more notice may go out at `now`; when not, it is counted for the summary. */
  allow(kind: 'join' | 'leave', now: number): boolean {
    if (this.perSecond === 0) return true;
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.sent = 0;
    }
    if (this.sent < this.perSecond) {
      this.sent++;
      return true;
    }
    if (kind === 'join') this.held.joins++;
    else this.held.leaves++;
    return false;
  }

  /** The notices held back in a second that is over, once; undefined while there are none or it is not over. */
  takeSummary(now: number): HeldNotices | undefined {
    if (this.held.joins + this.held.leaves === 0 || now - this.windowStart < WINDOW_MS) return undefined;
    const held = this.held;
    this.held = { joins: 0, leaves: 0 };
    return held;
  }
}
