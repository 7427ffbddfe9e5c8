// Timestamps before messages, in the user's local time: `[14:02]` unless `--timestamps` gives
// another format (strftime's few fields people use) or `off`.
export const DEFAULT_TIMESTAMP_FORMAT = '%H:%M';

const FIELDS: Record<string, (date: Date) => string> = {
  H: (d) => pad(d.getHours()),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  d: (d) => pad(d.getDate()),
  m: (d) => pad(d.getMonth() + 1),
  Y: (d) => String(d.getFullYear()),
  '%': () => '%',
};

const pad = (value: number) => String(value).padStart(2, '0');

/** The time of a message as `format` writes it. */
export type TimeStamper = (date: Date) => string;

/**
 * `--timestamps`: `off` (or `none`) for none, else a format of %H %M %S %d %m %Y %% and plain
 * characters; `fallback` when the flag is not given. An unknown field is an error message.
 */
export function parseTimestampFormat(value: string | undefined, fallback: string | undefined): { stamp?: TimeStamper; error?: string } {
  const format = value?.trim() ?? fallback;
  if (format === undefined || format === '' || format === 'off' || format === 'none') return {};
  // Read left to right, so that `%%` is one field, not a `%` and the start of another.
  const unknown = [...format.matchAll(/%(.?)/gs)].find((field) => FIELDS[field[1]!] === undefined);
  if (unknown) return { error: `unknown field "%${unknown[1]}" in "${format}" (use %H %M %S %d %m %Y, or off)` };
  return { stamp: (date) => format.replace(/%(.)/g, (_, field: string) => FIELDS[field]!(date)) };
}
