// A clock that moves only when a test says so: timers fire in order as `advance` passes them.
// Core code takes its Clock injected, so a timeout of minutes is tested without any waiting.
import type { Clock } from '../../src/core/shared/clock.ts';

/** The wall time of the fake clock at monotonic 0: 2023-11-14T22:13:20Z. */
export const FAKE_EPOCH_MS = 1_700_000_000_000;

export class FakeClock implements Clock {
  /** Runs after every timer callback (the server tests flush the send queue here). */
  afterTimer: (() => void) | undefined;
  private current = 1_000_000;
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;
  private timerWaiters: Array<() => void> = [];

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return FAKE_EPOCH_MS + this.current;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.push(timer);
    for (const waiter of this.timerWaiters.splice(0)) waiter();
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Milliseconds from now to the earliest timer, or undefined when none is set. */
  get nextTimerIn(): number | undefined {
    if (this.timers.length === 0) return undefined;
    return Math.min(...this.timers.map((t) => t.at)) - this.current;
  }

  /** Resolves once a timer is set (at once if one is): the code under test is waiting on time. */
  untilTimer(): Promise<void> {
    if (this.timers.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.timerWaiters.push(resolve));
  }

  /**
   * Until `done` settles: whenever the code under test waits on a timer with nothing else left
   * to run, move time on to that timer. Only for tests in which no real I/O can end a wait (a
   * peer that never answers, a scripted socket): it would not wait for a real reply.
   */
  async advanceWhileWaiting(done: Promise<unknown>): Promise<void> {
    let finished = false;
    const settled = done.then(
      () => void (finished = true),
      () => void (finished = true),
    );
    while (!finished) {
      await Promise.race([this.untilTimer(), settled]);
      // Reactions already queued (a scripted reply) run first and may end the wait themselves.
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.nextTimerIn;
      if (!finished && next !== undefined) this.advance(next);
    }
  }

  /** Move time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
      this.afterTimer?.();
    }
    this.current = target;
  }
}
