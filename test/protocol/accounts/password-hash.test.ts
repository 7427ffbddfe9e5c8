import { describe, expect, it } from 'vitest';
import { formatStoredPassword, parseStoredPassword, MIN_SCRYPT_N, MAX_SCRYPT_N } from '../../../src/protocol/accounts/password-hash.ts';

const salt = '00112233445566778899aabbccddeeff';
const hash = 'ab'.repeat(32);
const stored = (N: number | string, r = 8, p = 1, s = salt, h = hash) => `scrypt$${N},${r},${p}$${s}$${h}`;

describe('stored passwords', () => {
  it('parse and format back unchanged', () => {
    const parsed = parseStoredPassword(stored(32768));
    expect(parsed).toMatchObject({ N: 32768, r: 8, p: 1 });
    expect(formatStoredPassword(parsed as never)).toBe(stored(32768));
  });

  it('take N from 2^15 to 2^20, powers of two only', () => {
    expect(parseStoredPassword(stored(MIN_SCRYPT_N))).not.toHaveProperty('problem');
    expect(parseStoredPassword(stored(MIN_SCRYPT_N / 2))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(MAX_SCRYPT_N, 2))).not.toHaveProperty('problem');
    expect(parseStoredPassword(stored(MAX_SCRYPT_N * 2, 1))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(MIN_SCRYPT_N + 1))).toHaveProperty('problem');
  });

  it('refuse costs that need more than 256 MiB, and r or p out of range', () => {
    expect(parseStoredPassword(stored(2 ** 20, 2))).not.toHaveProperty('problem'); // 256 MiB exactly
    expect(parseStoredPassword(stored(2 ** 20, 3))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 0))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 33))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 16))).not.toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 17))).toHaveProperty('problem');
  });

  it('take a salt and a hash of 16 to 64 bytes of lowercase hex', () => {
    expect(parseStoredPassword(stored(32768, 8, 1, 'aa'.repeat(16)))).not.toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 1, 'aa'.repeat(15)))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 1, salt, 'aa'.repeat(64)))).not.toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 1, salt, 'aa'.repeat(65)))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 1, salt.toUpperCase()))).toHaveProperty('problem');
    expect(parseStoredPassword(stored(32768, 8, 1, `${salt}a`))).toHaveProperty('problem');
  });

  it('refuse other schemes', () => {
    expect(parseStoredPassword('hunter2')).toHaveProperty('problem');
    expect(parseStoredPassword(`bcrypt$32768,8,1$${salt}$${hash}`)).toHaveProperty('problem');
  });
});
