// Round-trip statistics as `ping` reports them, plus the 99th percentile.

export interface RttStats {
  minMs: number;
  avgMs: number;
  /** Nearest-rank 99th percentile: the smallest RTT that at least 99 % of RTTs do not exceed. */
  p99Ms: number;
  maxMs: number;
}

/** Statistics of `rttsMs`, or undefined when there are none. */
export function rttStats(rttsMs: readonly number[]): RttStats | undefined {
  if (rttsMs.length === 0) return undefined;
  const sorted = [...rttsMs].sort((a, b) => a - b);
  const sum = sorted.reduce((total, rtt) => total + rtt, 0);
  return {
    minMs: sorted[0]!,
    avgMs: sum / sorted.length,
    p99Ms: sorted[Math.ceil(0.99 * sorted.length) - 1]!,
    maxMs: sorted[sorted.length - 1]!,
  };
}

/** Lost share in percent, with at most one decimal (0 when nothing was sent). */
export function lossPercent(sent: number, received: number): number {
  if (sent === 0) return 0;
  return Math.round((Math.max(0, sent - received) / sent) * 1000) / 10;
}
