import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ECHO_CLIENT_LIMITS,
  DEFAULT_ECHO_LIMITS,
  resolveEchoClientLimits,
  resolveEchoLimits,
  type EchoLimits,
} from '../../../src/core/echo/echo-limits.ts';

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

describe('resolveEchoClientLimits', () => {
  it('gives the defaults, with overrides spread over them', () => {
    expect(resolveEchoClientLimits()).toEqual(DEFAULT_ECHO_CLIENT_LIMITS);
    expect(resolveEchoClientLimits({ intervalMs: 1000 })).toEqual({ ...DEFAULT_ECHO_CLIENT_LIMITS, intervalMs: 1000 });
  });

  it('accepts a timeout of 1 ms and refuses 0', () => {
    expect(resolveEchoClientLimits({ timeoutMs: 1 }).timeoutMs).toBe(1);
    expect(() => resolveEchoClientLimits({ timeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT', option: 'timeoutMs' }));
  });

  it('accepts no interval at all and refuses a negative one', () => {
    expect(resolveEchoClientLimits({ intervalMs: 0 }).intervalMs).toBe(0);
    expect(() => resolveEchoClientLimits({ intervalMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT', option: 'intervalMs' }));
  });
});
