// Time is injected into the core, so that timeouts, pings, flood control and probe intervals can
// be tested with a fake clock instead of real waiting. Nothing else in the core reads the time or
// sets a timer.

export type TimerHandle = unknown;

export interface Clock {
  /**
   * Milliseconds on a monotonic scale: only differences mean anything. It never jumps when the
   * system's wall clock is set, so a timeout measured with it cannot fire early or late.
   */
  now(): number;
  /**
   * Milliseconds since 1970, for what a person or a peer reads as a date (timestamps, display);
   * never for measuring how long something took.
   */
  wallNow(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  // The wall time at start-up plus the monotonic time since: it never goes back within a run
  // (the echo protocol promises that of its timestamps), though over a long run it may drift
  // from a wall clock that NTP adjusts.
  wallNow: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
