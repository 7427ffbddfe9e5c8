// Failed logins per key (an address, an account), as ergo counts them: at most `maxFailures`
// in a window of `windowMs` from the first failure; past that every attempt for the key is
// refused until the window ends, a right password included, so guessing stays at three a
// minute. Bounded: past `maxKeys` keys the oldest window is forgotten first.
import type { Clock } from '../shared/clock.ts';

export interface LoginThrottleLimits {
  maxFailures: number;
  windowMs: number;
  maxKeys: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class LoginThrottle {
  /** Insertion order is window order: a key's window is re-inserted when a new one starts. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: LoginThrottleLimits,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  /** 0 when `key` may try now, else the milliseconds until it may. */
  wait(key: string): number {
    const window = this.current(key);
    if (!window || window.failures < this.limits.maxFailures) return 0;
    return Math.max(1, window.startedAt + this.limits.windowMs - this.clock.now());
  }

  /** Count a failed attempt for `key`. */
  fail(key: string): void {
    const window = this.current(key);
    if (window) {
      window.failures++;
      return;
    }
    this.windows.set(key, { startedAt: this.clock.now(), failures: 1 });
    if (this.windows.size > this.limits.maxKeys) this.windows.delete(this.windows.keys().next().value!);
  }

  /** Forget windows that are over (the server's sweep). */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.limits.windowMs) break;
      this.windows.delete(key);
    }
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() - window.startedAt >= this.limits.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
