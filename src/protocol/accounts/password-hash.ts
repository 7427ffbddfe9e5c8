// A stored password: `scrypt$N,r,p$salt$hash`, salt and hash in lowercase hex. The cost
// parameters travel with the hash so they can be raised for new passwords while old ones still
// verify. Bounds: N a power of two from 2^15 (below that scrypt is too cheap to slow a guesser)
// to 2^20, and at most 256 MiB of memory per hash, so a hostile accounts file cannot make one
// login take a server's memory.

export interface StoredPassword {
  N: number;
  r: number;
  p: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

export const MIN_SCRYPT_N = 2 ** 15;
export const MAX_SCRYPT_N = 2 ** 20;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_R = 32;
const MAX_P = 16;
const SALT_BYTES = { min: 16, max: 64 };
const HASH_BYTES = { min: 16, max: 64 };

/** What new passwords get: N = 2^15, r = 8, p = 1 (about 32 MiB and 50-300 ms), 16-byte salt, 32-byte hash. */
export const DEFAULT_SCRYPT = Object.freeze({ N: MIN_SCRYPT_N, r: 8, p: 1, saltBytes: 16, hashBytes: 32 });

const PATTERN = /^scrypt\$(\d{1,8}),(\d{1,3}),(\d{1,3})\$([0-9a-f]+)\$([0-9a-f]+)$/;

/** The stored password, or why the text is not one (for the accounts file's error). */
export function parseStoredPassword(text: string): StoredPassword | { problem: string } {
  const match = PATTERN.exec(text);
  if (!match) return { problem: 'not scrypt$N,r,p$salt$hash (salt and hash in lowercase hex)' };
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (N < MIN_SCRYPT_N || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0) {
    return { problem: `N must be a power of two from 2^15 to 2^20, got ${N}` };
  }
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P) return { problem: `r must be 1-${MAX_R} and p 1-${MAX_P}` };
  if (128 * N * r > MAX_SCRYPT_MEMORY) return { problem: `N·r needs more than ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB` };
  const salt = hexBytes(match[4]!);
  const hash = hexBytes(match[5]!);
  if (!salt || salt.length < SALT_BYTES.min || salt.length > SALT_BYTES.max) {
    return { problem: `the salt must be ${SALT_BYTES.min}-${SALT_BYTES.max} bytes of hex` };
  }
  if (!hash || hash.length < HASH_BYTES.min || hash.length > HASH_BYTES.max) {
    return { problem: `the hash must be ${HASH_BYTES.min}-${HASH_BYTES.max} bytes of hex` };
  }
  return { N, r, p, salt, hash };
}

export function formatStoredPassword(stored: StoredPassword): string {
  return `scrypt$${stored.N},${stored.r},${stored.p}$${hex(stored.salt)}$${hex(stored.hash)}`;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function hexBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
