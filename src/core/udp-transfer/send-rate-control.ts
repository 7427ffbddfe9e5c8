// How much the sender may have in flight (the congestion window, in chunks) and how fast it
// lets it out (pacing).
//
// Random loss is not congestion. TFTP stops at every loss; Reno-style control halves at every
// loss and so collapses at 5 % random loss. Here, as in QUIC's recovery and UDT, the window
// changes at most once per round trip (a round ends when feedback reports a packet sent after
// the round began), and it shrinks only when the round lost more than `CONGESTION_LOSS_FRACTION`
// of what it sent: random loss of a few percent leaves it alone, while overrunning a buffer
// (which loses a large share of a round) shrinks it. Flow control is separate: the receiver's
// window, which bounds what may be sent regardless, keeps its socket buffer from overflowing.

/**
 * A round is congested when it lost more than this share of its packets, and more than
 * LOSS_TOLERANCE times the usual share (a moving average over rounds): a path that always
 * loses 20 % at random is not made less lossy by sending slower.
 */
export const CONGESTION_LOSS_FRACTION = 0.1;
const LOSS_TOLERANCE = 1.5;
/** Rounds shorter than this are merged into the next before their loss is judged. */
const MIN_ROUND_PACKETS = 8;
const DECREASE_FACTOR = 0.75;
const INCREASE_FACTOR = 1.25;
const MIN_WINDOW_CHUNKS = 4;
/** Pacing spreads a window over 1/PACING_GAIN of a round trip. */
const PACING_GAIN = 1.25;
/** The longest burst pacing lets out at once, in time at the pacing rate. */
const PACING_BURST_MS = 2;
const MIN_PACING_WAIT_MS = 0.05;

export class SendRateControl {
  window: number;
  reductions = 0;
  private slowStart = true;
  private roundEndPacket = -1;
  private ackedInRound = 0;
  private lostInRound = 0;
  private windowLimitedInRound = false;
  private usualLossFraction = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    initialWindow: number,
    private readonly maxWindow: number,
    now: number,
  ) {
    this.window = Math.min(initialWindow, maxWindow);
    this.tokens = this.window;
    this.refilledAt = now;
  }

  /** The window, not the receiver or the data, kept a packet from leaving. */
  noteWindowLimited(): void {
    this.windowLimitedInRound = true;
  }

  /** Feedback newly reported `acked` chunks received and `lost` taken as lost. */
  onFeedback(acked: number, lost: number, largestReportedPacket: number, lastSentPacket: number): void {
    this.ackedInRound += acked;
    this.lostInRound += lost;
    if (largestReportedPacket < 0 || largestReportedPacket < this.roundEndPacket) return;
    const total = this.ackedInRound + this.lostInRound;
    if (total < MIN_ROUND_PACKETS && this.window >= MIN_ROUND_PACKETS) return;
    const lossFraction = total > 0 ? this.lostInRound / total : 0;
    const congested = lossFraction > Math.max(CONGESTION_LOSS_FRACTION, LOSS_TOLERANCE * this.usualLossFraction);
    this.usualLossFraction += (lossFraction - this.usualLossFraction) / 8;
    if (congested) {
      this.window = Math.max(MIN_WINDOW_CHUNKS, Math.floor(this.window * DECREASE_FACTOR));
      this.slowStart = false;
      this.reductions++;
    } else if (this.windowLimitedInRound && this.ackedInRound > 0) {
      const grown = this.slowStart ? this.window * 2 : Math.ceil(this.window * INCREASE_FACTOR);
      this.window = Math.min(this.maxWindow, grown);
    }
    this.roundEndPacket = lastSentPacket + 1;
    this.ackedInRound = 0;
    this.lostInRound = 0;
    this.windowLimitedInRound = false;
  }

  /** 0 when a packet may leave now, else the time at which one may (pacing). */
  sendableAt(now: number, rttMs: number, haveRtt: boolean): number {
    if (!haveRtt) return 0;
    const perMs = (PACING_GAIN * this.window) / Math.max(rttMs, 0.05);
    const burst = Math.max(MIN_WINDOW_CHUNKS, perMs * PACING_BURST_MS);
    this.tokens = Math.min(burst, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) return 0;
    // A wait shorter than any timer can measure is not worth one: let the packet go.
    const waitMs = (1 - this.tokens) / perMs;
    return waitMs < MIN_PACING_WAIT_MS ? 0 : now + waitMs;
  }

  onSent(): void {
    this.tokens -= 1;
  }
}
