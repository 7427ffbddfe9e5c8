// The join code proves that a new address really receives what the server sends it: the
// server sends a random code to the address a name came from, and only the address that sends
// it back joins. A blind spoofer must guess it (30 bits) within the registration timeout.

// 32 symbols, so one random byte maps onto one symbol without bias; no l or o (read as 1, 0).
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
export const JOIN_CODE_LENGTH = 6;

/** A code from JOIN_CODE_LENGTH random bytes. */
export function joinCodeFrom(randomBytes: Uint8Array): string {
  if (randomBytes.length < JOIN_CODE_LENGTH) throw new RangeError(`a join code needs ${JOIN_CODE_LENGTH} random bytes`);
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += ALPHABET[randomBytes[i]! & 31];
  return code;
}

/** Whether `text` (as typed: case and surrounding spaces do not matter) is `code`. */
export function matchesJoinCode(text: string, code: string): boolean {
  return text.trim().toLowerCase() === code;
}

export const JOIN_CODE_PATTERN = `[${ALPHABET}]{${JOIN_CODE_LENGTH}}`;
