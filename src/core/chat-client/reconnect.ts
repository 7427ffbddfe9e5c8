// When the server goes away (a restart, a dropped network), the client tries again on its own,
// waiting longer after each failure. The waits are jittered so that the many clients a restart
// dropped at the same moment do not all come back in the same instant. Time and randomness are
// injected: the whole schedule is tested with a fake clock.
import type { Clock } from '../shared/clock.ts';

export interface ReconnectPolicy {
  /** The wait before the first attempt. */
  initialDelayMs: number;
  /** Each failed attempt multiplies the wait by this. */
  multiplier: number;
  /** The wait never grows past this. */
  maxDelayMs: number;
  /** Up to this fraction of each wait is taken off at random (0: none, 1: anywhere from 0). */
  jitter: number;
  /** Give up after this many attempts; Infinity keeps trying until stopped. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
});

/** The wait before attempt `attempt` (1 for the first), given a random number in [0, 1). */
export function reconnectDelay(policy: ReconnectPolicy, attempt: number, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random));
}

export type ReconnectStatus =
  /** Waiting `delayMs` before attempt `attempt`. */
  | { state: 'waiting'; attempt: number; delayMs: number }
  | { state: 'connecting'; attempt: number }
  /** Attempt `attempt` failed; another follows unless it was the last. */
  | { state: 'failed'; attempt: number; code: string; message: string }
  | { state: 'connected'; attempt: number }
  /** `maxAttempts` failed in a row. */
  | { state: 'gave-up'; attempts: number };

export interface ReconnectorOptions<T> {
  /** One attempt; a rejection (with a `code`) counts as a failure. */
  connect: (attempt: number) => Promise<T>;
  clock: Clock;
  policy?: Partial<ReconnectPolicy>;
  /** A number in [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
  onStatus?: (status: ReconnectStatus) => void;
  /** Count from here: a connection that just failed again goes on with the longer waits. */
  firstAttempt?: number;
}

/**
 * Tries `connect` until it succeeds, the attempts run out, or `stop()` is called. Only one
 * attempt runs at a time; a connection that arrives after `stop()` is handed to `discard`.
 */
export class Reconnector<T> {
  private readonly policy: ReconnectPolicy;
  private readonly random: () => number;
  private stopped = false;
  private cancelWait: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ReconnectorOptions<T>) {
    this.policy = { ...DEFAULT_RECONNECT_POLICY, ...options.policy };
    this.random = options.random ?? Math.random;
  }

  /** The connection, or undefined when stopped or out of attempts. */
  async run(discard: (connection: T) => void = () => {}): Promise<T | undefined> {
    const report = this.options.onStatus ?? (() => {});
    for (let attempt = this.options.firstAttempt ?? 1; attempt <= this.policy.maxAttempts; attempt++) {
      const delayMs = reconnectDelay(this.policy, attempt, this.random());
      report({ state: 'waiting', attempt, delayMs });
      await this.wait(delayMs);
      if (this.stopped) return undefined;
      report({ state: 'connecting', attempt });
      try {
        const connection = await this.options.connect(attempt);
        if (this.stopped) {
          discard(connection);
          return undefined;
        }
        report({ state: 'connected', attempt });
        return connection;
      } catch (error) {
        if (this.stopped) return undefined;
        const code = (error as { code?: string }).code ?? 'ECONNECT';
        report({ state: 'failed', attempt, code, message: (error as Error).message });
      }
    }
    report({ state: 'gave-up', attempts: this.policy.maxAttempts });
    return undefined;
  }

  /** Stop waiting and trying; `run` resolves with undefined. */
  stop(): void {
    this.stopped = true;
    this.cancelWait?.();
    this.wake?.();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.options.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.cancelWait = () => this.options.clock.clearTimeout(handle);
      this.wake = resolve;
    });
  }
}
