import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/shared/clock.ts';

describe('systemClock', () => {
  it('never goes back', () => {
    const reads = Array.from({ length: 10_000 }, () => systemClock.now());
    expect(reads.filter((read, i) => i > 0 && read < reads[i - 1]!)).toEqual([]);
  });

  it('is monotonic time, not the wall clock that Date.now reads and NTP may step', () => {
    // performance.now counts from process start; a wall clock counts from 1970.
    expect(systemClock.now()).toBeLessThan(Date.UTC(2000, 0, 1));
  });

  it('reads wall time as the start-up wall time plus the monotonic time since', () => {
    expect(Math.abs(systemClock.wallNow() - Date.now())).toBeLessThan(60_000);
    // So wall time moves with the monotonic clock and never goes back within a run.
    const before = systemClock.now();
    const wall = systemClock.wallNow();
    const after = systemClock.now();
    expect(wall - performance.timeOrigin).toBeGreaterThanOrEqual(before);
    expect(wall - performance.timeOrigin).toBeLessThanOrEqual(after);
  });

  it('fires a timer, and not one that was cleared', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 0);
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        fired.push('kept');
        resolve();
      }, 0);
      systemClock.clearTimeout(cleared);
    });
    // Timers of the same delay fire in the order they were set: the cleared one would be first.
    expect(fired).toEqual(['kept']);
  });
});
