// The `key=value` words of UDP transfer control lines and request options: ASCII, one space
// between words, any order, each key at most once. Unknown keys are kept for the caller to
// ignore, so newer peers can add keys. Never throws.

export type KeyValues = Map<string, string>;

const WORD = /^([a-z][a-z0-9-]{0,15})=([\x21-\x7e]{1,500})$/;
const DECIMAL = /^(?:0|[1-9]\d{0,15})$/;
const TRANSFER_ID = /^[0-9a-f]{8}$/;

/** The words as a map, or the first word that is not `key=value` (or repeats a key). */
export function parseKeyValues(words: readonly string[]): { ok: true; values: KeyValues } | { ok: false; word: string } {
  const values: KeyValues = new Map();
  for (const word of words) {
    const match = WORD.exec(word);
    if (!match || values.has(match[1]!)) return { ok: false, word };
    values.set(match[1]!, match[2]!);
  }
  return { ok: true, values };
}

/** A non-negative safe integer written plainly in decimal, or null. */
export function parseDecimal(text: string | undefined): number | null {
  if (text === undefined || !DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** Transfer ids are written as 8 lowercase hex digits. */
export function formatTransferId(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

export function parseTransferId(text: string | undefined): number | null {
  return text !== undefined && TRANSFER_ID.test(text) ? Number.parseInt(text, 16) : null;
}
