// The limits of logins, with their defaults (ergo's login throttle: 3 failures a minute).
import { mergeLimits } from '../shared/limit-rules.ts';

export interface AccountsLimits {
  /** Password hashes computed at once; each takes tens of milliseconds of CPU and 32 MiB. */
  maxConcurrentHashes: number;
  /** Logins waiting for a hash slot before more are refused with LOGIN_BUSY. */
  maxWaitingHashes: number;
  /** Failed logins (or server passwords) per address, and per account, within `loginWindowMs`. */
  maxLoginFailures: number;
  loginWindowMs: number;
  /** Addresses and accounts whose failures are remembered at once; the oldest go first. */
  maxThrottledKeys: number;
}

export const DEFAULT_ACCOUNTS_LIMITS: Readonly<AccountsLimits> = Object.freeze({
  maxConcurrentHashes: 2,
  maxWaitingHashes: 32,
  maxLoginFailures: 3,
  loginWindowMs: 60_000,
  maxThrottledKeys: 100_000,
});

export function resolveAccountsLimits(overrides: Partial<AccountsLimits> = {}): AccountsLimits {
  return mergeLimits(DEFAULT_ACCOUNTS_LIMITS, overrides, {
    maxConcurrentHashes: 1,
    maxWaitingHashes: 0,
    maxLoginFailures: 1,
    loginWindowMs: 1,
    maxThrottledKeys: 1,
  }, { wholeNumbers: true });
}
