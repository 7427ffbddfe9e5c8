import { describe, expect, it } from 'vitest';
import { DEFAULT_UDP_TRANSFER_LIMITS, resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { LimitError } from '../../../src/core/shared/limit-rules.ts';

const MINIMUMS = {
  maxConcurrentTransfers: 1,
  maxWindowBytes: 65536,
  maxDatagramBytesLoopback: 84,
  maxDatagramBytesRemote: 84,
  feedbackIntervalMs: 1,
  abandonTimeoutMs: 100,
  unreachableTimeoutMs: 100,
  initialWindowBytes: 1,
  receiveBufferBytes: 0,
} as const;

describe('UDP transfer limits', () => {
  it('have the documented defaults', () => {
    expect(resolveUdpTransferLimits()).toEqual({
      maxConcurrentTransfers: 16,
      maxWindowBytes: 16 * 1024 * 1024,
      maxDatagramBytesLoopback: 65507,
      maxDatagramBytesRemote: 1400,
      feedbackIntervalMs: 5,
      abandonTimeoutMs: 5000,
      unreachableTimeoutMs: 3000,
      initialWindowBytes: 128 * 1024,
      receiveBufferBytes: 4 * 1024 * 1024,
    });
    expect(DEFAULT_UDP_TRANSFER_LIMITS).toEqual(resolveUdpTransferLimits());
  });

  it.each(Object.entries(MINIMUMS))('take %s at its minimum (%d) and refuse one under it', (option, minimum) => {
    expect(resolveUdpTransferLimits({ [option]: minimum })[option as keyof typeof MINIMUMS]).toBe(minimum);
    let error: unknown;
    try {
      resolveUdpTransferLimits({ [option]: minimum - 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LimitError);
    expect(error).toMatchObject({ code: 'INVALID_LIMIT', option });
  });

  it.each(['maxDatagramBytesLoopback', 'maxDatagramBytesRemote'])('take %s up to the largest UDP payload, not one byte more', (option) => {
    expect(resolveUdpTransferLimits({ [option]: 65507 })).toMatchObject({ [option]: 65507 });
    expect(() => resolveUdpTransferLimits({ [option]: 65508 })).toThrow(expect.objectContaining({ option }));
  });

  it('refuse fractions', () => {
    expect(() => resolveUdpTransferLimits({ feedbackIntervalMs: 2.5 })).toThrow(LimitError);
  });
});
