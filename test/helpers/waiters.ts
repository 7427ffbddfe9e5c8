// Waiting on events, never on time: a check re-run whenever something happened (the timeout only
// turns a hang into a failure).

/** Resolves when `check()` holds, re-checked by `poke()`; rejects after `timeoutMs`. */
export class Waiters {
  private readonly waiting = new Set<() => void>();

  poke(): void {
    for (const waiter of [...this.waiting]) waiter();
  }

  until(check: () => boolean, what: () => string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiting.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(waiter);
        reject(new Error(`timed out waiting for ${what()}`));
      }, timeoutMs);
      this.waiting.add(waiter);
      waiter();
    });
  }
}
