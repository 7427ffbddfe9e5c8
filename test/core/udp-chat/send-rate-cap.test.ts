import { describe, expect, it } from 'vitest';
import { SendRateCap } from '../../../src/core/udp-chat/send-rate-cap.ts';

describe('SendRateCap', () => {
  it('allows a second’s worth, refuses one byte more, and refills with time', () => {
    const cap = new SendRateCap(1000, 0);
    expect(cap.trySpend(600, 0)).toBe(true);
    expect(cap.trySpend(400, 0)).toBe(true);
    expect(cap.trySpend(1, 0)).toBe(false);
    expect(cap.trySpend(100, 100)).toBe(true);
    expect(cap.trySpend(1, 100)).toBe(false);
  });

  it('lets one send larger than a second’s worth through a full bucket, then waits for the debt', () => {
    const cap = new SendRateCap(1000, 0);
    expect(cap.trySpend(2500, 0)).toBe(true);
    expect(cap.trySpend(1, 1000)).toBe(false); // 1000 - 2500 + 1000 = -500
    expect(cap.trySpend(1000, 2500)).toBe(true);
  });

  it('spend() goes past the cap', () => {
    const cap = new SendRateCap(1000, 0);
    cap.spend(1500, 0);
    expect(cap.trySpend(1, 0)).toBe(false);
    expect(cap.trySpend(499, 1000)).toBe(true);
  });

  it('0 means no cap', () => {
    const cap = new SendRateCap(0, 0);
    expect(cap.trySpend(1e12, 0)).toBe(true);
  });
});
