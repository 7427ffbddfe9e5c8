import { describe, expect, it } from 'vitest';
import { LimitError, mergeLimits } from '../../../src/core/shared/limit-rules.ts';

interface Sample {
  lines: number;
  rate: number;
}
const DEFAULTS: Sample = { lines: 10, rate: 5 };
const MINIMUMS = { lines: 1, rate: 0 };
const whole = (overrides: Partial<Sample>) => mergeLimits(DEFAULTS, overrides, MINIMUMS, { wholeNumbers: true });
const fractional = (overrides: Partial<Sample>) => mergeLimits(DEFAULTS, overrides, MINIMUMS, { wholeNumbers: false });

/** The LimitError that `run` throws. */
function refusal(run: () => unknown): LimitError {
  try {
    run();
  } catch (error) {
    if (error instanceof LimitError) return error;
    throw error;
  }
  throw new Error('no LimitError thrown');
}

describe('mergeLimits', () => {
  it('gives a copy of the defaults when nothing is overridden', () => {
    const limits = whole({});
    expect(limits).toEqual(DEFAULTS);
    expect(limits).not.toBe(DEFAULTS);
  });

  it('spreads the defined overrides over the defaults and skips undefined ones', () => {
    expect(whole({ lines: 3, rate: undefined })).toEqual({ lines: 3, rate: 5 });
  });

  it('accepts a value at its minimum and refuses one below, with code, option, minimum and value', () => {
    expect(whole({ lines: 1 }).lines).toBe(1);
    const error = refusal(() => whole({ lines: 0 }));
    expect(error).toMatchObject({ code: 'INVALID_LIMIT', option: 'lines', rule: { minimum: 1, value: 0 } });
    expect(error.message).toBe('lines must be a whole number ≥ 1, got 0');
  });

  it('checks defaults too, so a bad default cannot slip through', () => {
    expect(() => mergeLimits({ lines: 0, rate: 0 }, {}, MINIMUMS, { wholeNumbers: true })).toThrow(LimitError);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])('with whole numbers, refuses %d', (value) => {
    expect(refusal(() => whole({ lines: value }))).toMatchObject({ option: 'lines' });
  });

  it('without whole numbers, takes fractions and still refuses what is not finite', () => {
    expect(fractional({ rate: 0.5 }).rate).toBe(0.5);
    expect(refusal(() => fractional({ rate: Number.NaN })).message).toBe('rate must be a number ≥ 0, got NaN');
    expect(refusal(() => fractional({ rate: Number.POSITIVE_INFINITY })).option).toBe('rate');
  });
});
