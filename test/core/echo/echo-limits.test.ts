import { describe, expect, it } from 'vitest';
import { DEFAULT_ECHO_LIMITS, resolveEchoLimits, type EchoLimits } from '../../../src/core/echo/echo-limits.ts';

describe('resolveEchoLimits', () => {
  it('gives the defaults, with overrides spread over them', () => {
    expect(resolveEchoLimits()).toEqual(DEFAULT_ECHO_LIMITS);
    expect(resolveEchoLimits({ maxClients: 5, maxLineBytes: undefined })).toEqual({ ...DEFAULT_ECHO_LIMITS, maxClients: 5 });
  });

  it.each(['maxClients', 'maxLineBytes', 'maxPendingReplies'] as Array<keyof EchoLimits>)(
    'accepts %s at its minimum of 1 and rejects 0 with INVALID_LIMIT',
    (option) => {
      expect(resolveEchoLimits({ [option]: 1 })[option]).toBe(1);
      expect(() => resolveEchoLimits({ [option]: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT', option }));
    },
  );

  it.each([Number.NaN, 1.5, Number.POSITIVE_INFINITY])('rejects %d', (value) => {
    expect(() => resolveEchoLimits({ maxClients: value })).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT' }));
  });
});
