import { describe, expect, it } from 'vitest';
import { lossPercent, rttStats } from '../../../src/core/echo/echo-stats.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('rttStats', () => {
  it('is undefined with no round trips', () => {
    expect(rttStats([])).toBeUndefined();
  });

  it('gives min, average and max in any order of input', () => {
    expect(rttStats([3, 1, 2])).toEqual({ minMs: 1, avgMs: 2, p99Ms: 3, maxMs: 3 });
    expect(rttStats([0.25])).toEqual({ minMs: 0.25, avgMs: 0.25, p99Ms: 0.25, maxMs: 0.25 });
  });

  it.each([
    [100, 99], // 99 % of 100 is 99 values
    [101, 100], // 99.99 rounds up to the 100th
    [200, 198],
  ])('takes the nearest-rank p99 of %i values: %i', (n, p99) => {
    expect(rttStats(range(n).reverse())?.p99Ms).toBe(p99);
  });
});

describe('lossPercent', () => {
  it.each([
    [3, 3, 0],
    [3, 2, 33.3],
    [3, 0, 100],
    [0, 0, 0],
    [3, 4, 0], // duplicated replies are not negative loss
    [1000, 999, 0.1],
  ])('%i sent, %i received: %d %', (sent, received, percent) => {
    expect(lossPercent(sent, received)).toBe(percent);
  });
});
