import { describe, expect, it } from 'vitest';
import { FloodBucket, floodControlEnabled } from '../../../src/core/chat/flood-control.ts';

describe('FloodBucket', () => {
  it('lets the burst through at once, then one line per 1/rate seconds', () => {
    const bucket = new FloodBucket({ floodBurst: 3, floodLinesPerSecond: 4 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(250);
    expect(bucket.take(249)).toBe(1);
    expect(bucket.take(250)).toBe(0);
    expect(bucket.take(250)).toBe(250);
  });

  it('refills to the burst and no further', () => {
    const bucket = new FloodBucket({ floodBurst: 2, floodLinesPerSecond: 10 }, 0);
    bucket.take(0);
    bucket.take(0);
    const later = 60_000;
    expect([bucket.take(later), bucket.take(later)]).toEqual([0, 0]);
    expect(bucket.take(later)).toBe(100);
  });

  it('handles fractional rates', () => {
    const bucket = new FloodBucket({ floodBurst: 1, floodLinesPerSecond: 0.5 }, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(2000);
    expect(bucket.take(1999)).toBe(1);
    expect(bucket.take(2000)).toBe(0);
  });

  it('ignores a clock that steps backwards', () => {
    const bucket = new FloodBucket({ floodBurst: 1, floodLinesPerSecond: 1 }, 1000);
    expect(bucket.take(1000)).toBe(0);
    expect(bucket.take(500)).toBe(1000);
    expect(bucket.take(1500)).toBe(0);
  });

  it('is off with a burst of 0', () => {
    expect(floodControlEnabled({ floodBurst: 0, floodLinesPerSecond: 5 })).toBe(false);
    expect(floodControlEnabled({ floodBurst: 1, floodLinesPerSecond: 5 })).toBe(true);
  });
});
