// Round-trip time as QUIC measures it (RFC 9002 §5): samples come from the newest packet a
// feedback line reports, less the time the receiver held that report (its timer delay), so
// feedback sent on a timer does not inflate the estimate.

/** Before the first sample: QUIC's initial RTT is 333 ms; a LAN transfer replaces it at the first feedback. */
const INITIAL_RTT_MS = 100;
/** Timers cannot resolve finer than about a millisecond: no deadline is set closer than this. */
export const TIMER_GRANULARITY_MS = 1;

export class RttEstimator {
  smoothedMs = INITIAL_RTT_MS;
  varianceMs = INITIAL_RTT_MS / 2;
  latestMs = INITIAL_RTT_MS;
  minMs = Number.POSITIVE_INFINITY;
  samples = 0;

  /** A sample: `elapsedMs` from sending a packet to the feedback that reports it, less `heldMs`. */
  addSample(elapsedMs: number, heldMs: number): void {
    let sample = Math.max(elapsedMs, 0.001);
    this.minMs = Math.min(this.minMs, sample);
    // Subtract the hold only where it cannot push the sample under the path's minimum (as QUIC).
    if (sample - heldMs >= this.minMs) sample -= heldMs;
    this.latestMs = sample;
    if (this.samples++ === 0) {
      this.smoothedMs = sample;
      this.varianceMs = sample / 2;
      return;
    }
    this.varianceMs = 0.75 * this.varianceMs + 0.25 * Math.abs(this.smoothedMs - sample);
    this.smoothedMs = 0.875 * this.smoothedMs + 0.125 * sample;
  }

  /** How long after its send a packet with later ones reported is taken as lost (9/8 RTT). */
  lossDelayMs(): number {
    return Math.max((9 / 8) * Math.max(this.smoothedMs, this.latestMs), TIMER_GRANULARITY_MS);
  }

  /** Probe timeout: how long with no report at all before a packet in flight is taken as lost. */
  probeTimeoutMs(maxReportDelayMs: number): number {
    return this.smoothedMs + Math.max(4 * this.varianceMs, TIMER_GRANULARITY_MS) + maxReportDelayMs;
  }
}
