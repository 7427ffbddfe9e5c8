import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../../src/core/shared/wakeup.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** The promise's value, or 'pending' if it has not settled after the queued reactions ran. */
async function settled<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('Wakeup', () => {
  it('resolves with what wake is given, and drops its timer', async () => {
    const clock = new FakeClock();
    const wakeup = new Wakeup<string>(clock);
    const waiting = wakeup.wait(10_000);
    expect(clock.pendingTimers).toBe(1);
    wakeup.wake('reply');
    expect(await waiting).toBe('reply');
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves with undefined once the time is up, not a millisecond before', async () => {
    const clock = new FakeClock();
    const waiting = new Wakeup<string>(clock).wait(5000);
    clock.advance(4999);
    expect(await settled(waiting)).toBe('pending');
    clock.advance(1);
    expect(await settled(waiting)).toBeUndefined();
  });

  it('forgets a wake with nobody waiting', async () => {
    const clock = new FakeClock();
    const wakeup = new Wakeup<string>(clock);
    wakeup.wake('early');
    const waiting = wakeup.wait(5);
    expect(await settled(waiting)).toBe('pending');
    clock.advance(5);
    expect(await waiting).toBeUndefined();
  });

  it('wakes only once per wait', async () => {
    const wakeup = new Wakeup<string>(new FakeClock());
    const first = wakeup.wait(10_000);
    wakeup.wake('one');
    wakeup.wake('two');
    expect(await first).toBe('one');
  });
});
