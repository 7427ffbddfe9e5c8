// The `[Limits]` reply's keys, spelled once: the server writes them from its limits and the
// client reads its pacing and line lengths from them. docs/PROTOCOL.md lists them.

/** Field → wire key, in the order the server sends them. */
export const LIMITS_REPLY_KEYS = {
  maxLineBytes: 'max-line-bytes',
  maxReplyBytes: 'max-reply-bytes',
  floodBurst: 'flood-burst',
  floodLinesPerSecond: 'flood-lines-per-second',
  floodMaxDelayedLines: 'flood-max-delayed-lines',
  maxNameLength: 'max-name-length',
  pingIntervalMs: 'ping-interval-ms',
  pingTimeoutMs: 'ping-timeout-ms',
} as const;

export type LimitsReplyField = keyof typeof LIMITS_REPLY_KEYS;

export type LimitsReplyValues = Record<LimitsReplyField, number>;

/** The `key=value` pairs of a `[Limits]` reply. */
export function limitsReplyPairs(values: LimitsReplyValues): Record<string, number> {
  const pairs: Record<string, number> = {};
  for (const field of Object.keys(LIMITS_REPLY_KEYS) as LimitsReplyField[]) pairs[LIMITS_REPLY_KEYS[field]] = values[field];
  return pairs;
}

/** The known keys of a `[Limits]` reply that hold a finite number; anything else is ignored. */
export function readLimitsReply(pairs: Readonly<Record<string, number>>): Partial<LimitsReplyValues> {
  const values: Partial<LimitsReplyValues> = {};
  for (const field of Object.keys(LIMITS_REPLY_KEYS) as LimitsReplyField[]) {
    const value = pairs[LIMITS_REPLY_KEYS[field]];
    if (value !== undefined && Number.isFinite(value)) values[field] = value;
  }
  return values;
}
