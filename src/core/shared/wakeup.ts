// The echo client's one way to wait: for an event (a reply, a stop) or for time to pass.

/** One waiter at a time: `wait(ms)` resolves with what `wake` is given, or undefined after `ms`. */
export class Wakeup<T> {
  private waiter: ((value: T | undefined) => void) | undefined;

  wait(ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.waiter?.(undefined), ms);
      this.waiter = (value) => {
        clearTimeout(timer);
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
