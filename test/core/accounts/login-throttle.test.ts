import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/core/accounts/login-throttle.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const LIMITS = { maxFailures: 3, windowMs: 60_000, maxKeys: 100 };

describe('the login throttle', () => {
  it('lets 3 failures a minute through and refuses the 4th attempt until the minute is over', () => {
    const clock = new FakeClock();
    const throttle = new LoginThrottle(LIMITS, clock);
    for (let i = 0; i < 3; i++) {
      expect(throttle.wait('1.2.3.4')).toBe(0);
      throttle.fail('1.2.3.4');
      clock.advance(1000);
    }
    expect(throttle.wait('1.2.3.4')).toBe(57_000);
    expect(throttle.wait('5.6.7.8')).toBe(0);
    clock.advance(56_999);
    expect(throttle.wait('1.2.3.4')).toBe(1);
    clock.advance(1);
    expect(throttle.wait('1.2.3.4')).toBe(0);
  });

  it('starts a new window after the old one ends', () => {
    const clock = new FakeClock();
    const throttle = new LoginThrottle(LIMITS, clock);
    throttle.fail('k');
    throttle.fail('k');
    clock.advance(60_000);
    throttle.fail('k');
    throttle.fail('k');
    expect(throttle.wait('k')).toBe(0);
    throttle.fail('k');
    expect(throttle.wait('k')).toBe(60_000);
  });

  it('remembers at most maxKeys keys, forgetting the oldest first, and sweeps ended windows', () => {
    const clock = new FakeClock();
    const throttle = new LoginThrottle({ ...LIMITS, maxFailures: 1, maxKeys: 2 }, clock);
    throttle.fail('a');
    clock.advance(10);
    throttle.fail('b');
    expect(throttle.size).toBe(2);
    throttle.fail('c');
    expect(throttle.size).toBe(2);
    expect(throttle.wait('a')).toBe(0);
    expect(throttle.wait('b')).toBeGreaterThan(0);
    clock.advance(60_000);
    throttle.sweep();
    expect(throttle.size).toBe(0);
  });
});
