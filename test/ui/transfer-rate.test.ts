import { describe, expect, it } from 'vitest';
import { describeProgress, formatDuration, percent, TransferRate } from '../../src/ui/transfer-rate.ts';

describe('TransferRate', () => {
  it('knows no rate from one sample, then follows the last few seconds', () => {
    const rate = new TransferRate();
    rate.sample(0, 0);
    expect(rate.bytesPerSecond).toBeUndefined();
    rate.sample(1000, 1_000_000);
    expect(rate.bytesPerSecond).toBe(1_000_000);
    expect(rate.secondsLeft(5_000_000)).toBe(4);
    // It slows down: after the window the early fast second no longer counts.
    for (let t = 2000; t <= 8000; t += 1000) rate.sample(t, 1_000_000 + ((t - 1000) / 1000) * 100_000);
    expect(rate.bytesPerSecond).toBeCloseTo(100_000, 0);
    expect(rate.secondsLeft(undefined)).toBeUndefined();
  });

  it('describes progress with what is known', () => {
    const rate = new TransferRate();
    expect(describeProgress(500, undefined, rate)).toBe('500 B');
    rate.sample(0, 0);
    rate.sample(2000, 2_000_000);
    expect(describeProgress(2_000_000, 10_000_000, rate)).toBe('2.0 MB of 10.0 MB (20%), 1.0 MB/s, 8 s left');
    expect(describeProgress(10_000_000, 10_000_000, rate)).toBe('10.0 MB of 10.0 MB (100%), 1.0 MB/s');
    expect(percent(0, 0)).toBe(100);
  });

  it.each([
    [0, '0 s'],
    [59.4, '59 s'],
    [200, '3 min 20 s'],
    [3900, '1 h 05 min'],
  ])('formats %f seconds as %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});
