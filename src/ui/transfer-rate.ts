// Rate and time left for a transfer, from a moving window of samples: a rate over the last few
// seconds follows a transfer that speeds up or stalls, where an average since the start would not.
import { formatSize } from '../protocol/files/file-sizes.ts';

const WINDOW_MS = 3_000;

export class TransferRate {
  private samples: Array<{ at: number; done: number }> = [];

  /** Record that `done` bytes are through at time `at` (milliseconds, any monotonic scale). */
  sample(at: number, done: number): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second over the window; undefined until two samples are apart in time. */
  get bytesPerSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return undefined;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }

  /** Seconds left to reach `total` at the current rate; undefined when it cannot be told. */
  secondsLeft(total: number | undefined): number | undefined {
    const rate = this.bytesPerSecond;
    const last = this.samples[this.samples.length - 1];
    if (total === undefined || !rate || !last) return undefined;
    return Math.max(0, (total - last.done) / rate);
  }
}

/** `12 s`, `3 min 20 s`, `1 h 05 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** `12.3 MB of 45.6 MB (27%), 8.1 MB/s, 4 s left` — the parts that are known. */
export function describeProgress(done: number, total: number | undefined, rate: TransferRate): string {
  const parts = [total === undefined ? formatSize(done) : `${formatSize(done)} of ${formatSize(total)} (${percent(done, total)}%)`];
  const speed = rate.bytesPerSecond;
  if (speed !== undefined) parts.push(`${formatSize(Math.round(speed))}/s`);
  const left = rate.secondsLeft(total);
  if (left !== undefined && done < (total ?? 0)) parts.push(`${formatDuration(left)} left`);
  return parts.join(', ');
}

export function percent(done: number, total: number): number {
  return total === 0 ? 100 : Math.floor((done / total) * 100);
}
