import { describe, expect, it } from 'vitest';
import { clientBoundsFrom, SERVER_LIMIT_RANGES } from '../../../src/core/chat-client/server-limit-ranges.ts';
import { readLimitsReply } from '../../../src/protocol/chat/limits-reply.ts';

const bounds = (pairs: Record<string, number>) => clientBoundsFrom(readLimitsReply(pairs));

describe('clientBoundsFrom', () => {
  it('takes the flood settings as they are inside the ranges', () => {
    expect(bounds({ 'flood-burst': 10, 'flood-lines-per-second': 5 })).toEqual({ flood: { burst: 10, linesPerSecond: 5 } });
    expect(bounds({ 'flood-burst': 0 }).flood?.burst).toBe(0);
  });

  it('ignores what a reply does not name, and values that are not finite numbers', () => {
    expect(bounds({ 'max-name-length': 32 })).toEqual({});
    expect(bounds({ 'flood-burst': Number.NaN, 'max-line-bytes': Number.POSITIVE_INFINITY })).toEqual({});
  });

  // Each range at its ends and one step past them.
  it.each([
    ['max-line-bytes', 'maxLineBytes'],
    ['max-reply-bytes', 'maxReplyBytes'],
  ] as const)('keeps %s at its ends and clamps one past them', (key, field) => {
    const { min, max } = SERVER_LIMIT_RANGES[field];
    expect(bounds({ [key]: min })[field]).toBe(min);
    expect(bounds({ [key]: min - 1 })[field]).toBe(min);
    expect(bounds({ [key]: max })[field]).toBe(max);
    expect(bounds({ [key]: max + 1 })[field]).toBe(max);
    expect(bounds({ [key]: 1e12 })[field]).toBe(max);
    expect(bounds({ [key]: -5 })[field]).toBe(min);
  });

  it('keeps the burst at its ends and clamps one past them', () => {
    const { max } = SERVER_LIMIT_RANGES.floodBurst;
    const burst = (value: number) => bounds({ 'flood-burst': value, 'flood-lines-per-second': 5 }).flood?.burst;
    expect(burst(0)).toBe(0);
    expect(burst(-1)).toBe(0);
    expect(burst(max)).toBe(max);
    expect(burst(max + 1)).toBe(max);
  });

  it('keeps the rate at its ends and clamps past them, a missing rate included', () => {
    const { min, max } = SERVER_LIMIT_RANGES.floodLinesPerSecond;
    const rate = (value?: number) =>
      bounds(value === undefined ? { 'flood-burst': 10 } : { 'flood-burst': 10, 'flood-lines-per-second': value }).flood?.linesPerSecond;
    expect(rate(min)).toBe(min);
    expect(rate(min / 2)).toBe(min);
    expect(rate(1e-9)).toBe(min);
    expect(rate(0)).toBe(min);
    expect(rate()).toBe(min);
    expect(rate(max)).toBe(max);
    expect(rate(max * 2)).toBe(max);
  });
});
