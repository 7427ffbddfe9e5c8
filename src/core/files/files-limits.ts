// Every limit of file sharing in one typed object with documented defaults; each has a
// `netchat serve` flag. Validated once at start-up, then passed down.
import { mergeLimits } from '../shared/limit-rules.ts';

export interface FilesLimits {
  /** Largest upload accepted, declared or raw (ERROR FILE_TOO_LARGE). */
  maxUploadBytes: number;
  /** Free disk space that must remain after an upload (ERROR DISK_FULL). */
  minFreeDiskBytes: number;
  /** Transfers at once for one user, or one address for connections without a name (ERROR TOO_MANY_TRANSFERS). */
  maxTransfersPerUser: number;
  /** Transfers at once on the whole server. */
  maxTransfers: number;
  /** `[File]` lines in one LIST_FILES reply; the rest is paged. */
  listPageEntries: number;
  /** How long a TICKET may wait for its TRANSFER. */
  ticketTtlMs: number;
  /** A transfer that moves no byte for this long is dropped. */
  transferIdleTimeoutMs: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export const DEFAULT_FILES_LIMITS: Readonly<FilesLimits> = Object.freeze({
  maxUploadBytes: 4 * GIB,
  minFreeDiskBytes: 256 * MIB,
  maxTransfersPerUser: 4,
  maxTransfers: 64,
  listPageEntries: 500,
  ticketTtlMs: 30_000,
  transferIdleTimeoutMs: 60_000,
});

const MINIMUMS: Record<keyof FilesLimits, number> = {
  maxUploadBytes: 0,
  minFreeDiskBytes: 0,
  maxTransfersPerUser: 1,
  maxTransfers: 1,
  listPageEntries: 1,
  ticketTtlMs: 1000,
  transferIdleTimeoutMs: 1000,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveFilesLimits(overrides: Partial<FilesLimits> = {}): FilesLimits {
  return mergeLimits(DEFAULT_FILES_LIMITS, overrides, MINIMUMS, { wholeNumbers: true });
}
