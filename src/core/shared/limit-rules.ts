// Every limits object (chat, echo, echo client) has one shape: documented defaults, the caller's
// overrides spread over them, and a minimum per key, checked once at startup. A failed check
// names the option and, for a minimum, says which and what was given, so a command can say the
// same in the words of the flag the user typed.

export class LimitError<Option extends string = string> extends Error {
  readonly code = 'INVALID_LIMIT';
  constructor(
    readonly option: Option,
    message: string,
    /** Set when the value broke the option's minimum (or is not a number of the right kind). */
    readonly rule?: { minimum: number; value: number },
  ) {
    super(message);
  }
}

/** `defaults` with the defined `overrides` spread over them; throws LimitError for a value under its minimum. */
export function mergeLimits<T extends { [K in keyof T]: number }>(
  defaults: Readonly<T>,
  overrides: Partial<T>,
  minimums: Readonly<Record<keyof T, number>>,
  { wholeNumbers }: { wholeNumbers: boolean },
): T {
  const limits = { ...defaults } as T;
  for (const [key, value] of Object.entries(overrides) as Array<[keyof T & string, number | undefined]>) {
    if (value !== undefined) (limits as Record<keyof T, number>)[key] = value;
  }
  for (const key of Object.keys(minimums) as Array<keyof T & string>) {
    const value = limits[key];
    const minimum = minimums[key];
    const valid = wholeNumbers ? Number.isSafeInteger(value) : Number.isFinite(value);
    if (!valid || value < minimum) {
      const kind = wholeNumbers ? 'a whole number' : 'a number';
      throw new LimitError(key, `${key} must be ${kind} ≥ ${minimum}, got ${value}`, { minimum, value });
    }
  }
  return limits;
}
