import { describe, expect, it } from 'vitest';
import { FloodBucket, floodControlEnabled, replyTokens, TokenBucket } from '../../../src/core/chat/flood-control.ts';

describe('TokenBucket', () => {
  it('lets the burst through at once, then one line per 1/rate seconds', () => {
    const bucket = new FloodBucket({ floodBurst: 3, floodLinesPerSecond: 4 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(250);
    expect(bucket.take(249)).toBe(1);
    expect(bucket.take(250)).toBe(0);
    expect(bucket.take(250)).toBe(250);
  });

  it('refills to the burst and no further', () => {
    const bucket = new TokenBucket(2, 10, 0);
    bucket.take(0);
    bucket.take(0);
    const later = 60_000;
    expect([bucket.take(later), bucket.take(later)]).toEqual([0, 0]);
    expect(bucket.take(later)).toBe(100);
  });

  it('handles fractional rates', () => {
    const bucket = new TokenBucket(1, 0.5, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(2000);
    expect(bucket.take(1999)).toBe(1);
    expect(bucket.take(2000)).toBe(0);
  });

  it('ignores a clock that steps backwards', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    expect(bucket.take(1000)).toBe(0);
    expect(bucket.take(500)).toBe(1000);
    expect(bucket.take(1500)).toBe(0);
  });

  it('waits without taking', () => {
    const bucket = new TokenBucket(1, 1, 0);
    expect([bucket.wait(0), bucket.wait(0)]).toEqual([0, 0]);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.wait(0)).toBe(1000);
  });

  it('goes into debt when charged, and the debt delays the next line', () => {
    const bucket = new TokenBucket(4, 2, 0);
    expect(bucket.take(0)).toBe(0);
    bucket.charge(5, 0); // 4 - 1 - 5 = -2 tokens
    expect(bucket.take(0)).toBe(1500);
    expect(bucket.take(1499)).toBe(1);
    expect(bucket.take(1500)).toBe(0);
  });

  it('says when it will be full again', () => {
    const bucket = new TokenBucket(4, 2, 0);
    expect(bucket.fullAt(0)).toBe(0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.fullAt(0)).toBe(1000);
    expect(bucket.fullAt(600)).toBe(1000);
    bucket.charge(4, 1000); // 4 - 4 = 0 tokens
    expect(bucket.fullAt(1000)).toBe(3000);
  });

  it('charges a reply one token per max-line-bytes started', () => {
    expect(replyTokens(0, 100)).toBe(1);
    expect(replyTokens(100, 100)).toBe(1);
    expect(replyTokens(101, 100)).toBe(2);
    expect(replyTokens(200, 100)).toBe(2);
    expect(replyTokens(1024 * 1024, 4096)).toBe(256);
  });

  it('is off with a burst of 0', () => {
    expect(floodControlEnabled({ floodBurst: 0, floodLinesPerSecond: 5 })).toBe(false);
    expect(floodControlEnabled({ floodBurst: 1, floodLinesPerSecond: 5 })).toBe(true);
  });
});
