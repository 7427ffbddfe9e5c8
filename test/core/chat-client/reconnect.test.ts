// The reconnect schedule on a fake clock: how long each wait is, that it grows and stops growing,
// that jitter only ever shortens it, and that stop() ends the wait at once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_POLICY, reconnectDelay, Reconnector, type ReconnectStatus } from '../../../src/core/chat-client/reconnect.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** Lets the reactions to a fired timer run, as the event loop would. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const NO_JITTER = { ...DEFAULT_RECONNECT_POLICY, jitter: 0 };

describe('reconnectDelay', () => {
  it('doubles from the initial wait up to the ceiling', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => reconnectDelay(NO_JITTER, attempt, 0.99));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('takes at most the jitter fraction off, so waits spread between half and all of the base', () => {
    const policy = DEFAULT_RECONNECT_POLICY;
    expect(reconnectDelay(policy, 3, 0)).toBe(4_000);
    expect(reconnectDelay(policy, 3, 0.5)).toBe(3_000);
    expect(reconnectDelay(policy, 3, 0.999_999)).toBe(2_000);
    expect(reconnectDelay(policy, 100, 0)).toBe(30_000);
  });
});

function failing(code: string) {
  return Promise.reject(Object.assign(new Error(`refused (${code})`), { code }));
}

describe('Reconnector', () => {
  it('waits, tries, waits longer after a failure, and hands over the connection', async () => {
    const clock = new FakeClock();
    const statuses: ReconnectStatus[] = [];
    const attempts: number[] = [];
    const reconnector = new Reconnector({
      clock,
      random: () => 0,
      onStatus: (status) => statuses.push(status),
      connect: (attempt) => {
        attempts.push(clock.now());
        return attempt < 3 ? failing('ECONNREFUSED') : Promise.resolve('connection');
      },
    });
    const started = clock.now();
    const result = reconnector.run();
    await clock.advanceWhileWaiting(result);
    expect(await result).toBe('connection');
    expect(attempts.map((at) => at - started)).toEqual([1_000, 3_000, 7_000]);
    expect(statuses).toEqual([
      { state: 'waiting', attempt: 1, delayMs: 1_000 },
      { state: 'connecting', attempt: 1 },
      { state: 'failed', attempt: 1, code: 'ECONNREFUSED', message: 'refused (ECONNREFUSED)' },
      { state: 'waiting', attempt: 2, delayMs: 2_000 },
      { state: 'connecting', attempt: 2 },
      { state: 'failed', attempt: 2, code: 'ECONNREFUSED', message: 'refused (ECONNREFUSED)' },
      { state: 'waiting', attempt: 3, delayMs: 4_000 },
      { state: 'connecting', attempt: 3 },
      { state: 'connected', attempt: 3 },
    ]);
  });

  it('does not try before the jittered wait is over', async () => {
    const clock = new FakeClock();
    let tried = 0;
    const reconnector = new Reconnector({ clock, random: () => 0.5, connect: () => (tried++, Promise.resolve(1)) });
    const result = reconnector.run();
    clock.advance(749);
    await settle();
    expect(tried).toBe(0);
    clock.advance(1);
    await settle();
    expect(tried).toBe(1);
    expect(await result).toBe(1);
  });

  it('gives up after maxAttempts, and not one attempt earlier', async () => {
    const clock = new FakeClock();
    const statuses: ReconnectStatus[] = [];
    let tried = 0;
    const reconnector = new Reconnector({
      clock,
      policy: { maxAttempts: 3 },
      onStatus: (status) => statuses.push(status),
      connect: () => (tried++, failing('ECONNREFUSED')),
    });
    const result = reconnector.run();
    await clock.advanceWhileWaiting(result);
    expect(await result).toBeUndefined();
    expect(tried).toBe(3);
    expect(statuses.at(-1)).toEqual({ state: 'gave-up', attempts: 3 });
  });

  it('stop() ends the wait at once, and a connection that arrives after it is discarded', async () => {
    const clock = new FakeClock();
    const waiting = new Reconnector({ clock, connect: () => Promise.resolve('never') });
    const first = waiting.run();
    await clock.untilTimer();
    waiting.stop();
    expect(await first).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);

    let answer!: (value: string) => void;
    const connecting = new Reconnector({ clock, random: () => 0, connect: () => new Promise<string>((resolve) => (answer = resolve)) });
    const discarded: string[] = [];
    const second = connecting.run((late) => discarded.push(late));
    clock.advance(1_000);
    await settle();
    connecting.stop();
    answer('late');
    expect(await second).toBeUndefined();
    expect(discarded).toEqual(['late']);
  });
});
