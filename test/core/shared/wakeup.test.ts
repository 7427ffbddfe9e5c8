import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../../src/core/shared/wakeup.ts';

describe('Wakeup', () => {
  it('resolves with what wake is given', async () => {
    const wakeup = new Wakeup<string>();
    const waiting = wakeup.wait(10_000);
    wakeup.wake('reply');
    expect(await waiting).toBe('reply');
  });

  it('resolves with undefined when the time is up', async () => {
    expect(await new Wakeup<string>().wait(5)).toBeUndefined();
  });

  it('forgets a wake with nobody waiting', async () => {
    const wakeup = new Wakeup<string>();
    wakeup.wake('early');
    expect(await wakeup.wait(5)).toBeUndefined();
  });

  it('wakes only once per wait', async () => {
    const wakeup = new Wakeup<string>();
    const first = wakeup.wait(10_000);
    wakeup.wake('one');
    wakeup.wake('two');
    expect(await first).toBe('one');
  });
});
