// One way to wait for an event (a reply, a stop) or for time to pass, whichever comes first.
import type { Clock } from './clock.ts';

/** One waiter at a time: `wait(ms)` resolves with what `wake` is given, or undefined after `ms`. */
export class Wakeup<T> {
  private waiter: ((value: T | undefined) => void) | undefined;

  constructor(private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>) {}

  wait(ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => this.waiter?.(undefined), ms);
      this.waiter = (value) => {
        this.clock.clearTimeout(timer);
        this.waiter = undefined;
        resolve(value);
      };
    });
  }

  /** Wakes the waiter, if there is one; with nobody waiting this does nothing. */
  wake(value: T): void {
    this.waiter?.(value);
  }
}
