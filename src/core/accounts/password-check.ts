// Hashing a new password and checking a given one against a stored hash, through the
// runtime's scrypt and constant-time comparison.
import { DEFAULT_SCRYPT, type StoredPassword } from '../../protocol/accounts/password-hash.ts';
import type { PasswordHashing } from '../../runtime/password-hashing.ts';

export async function hashPassword(hashing: PasswordHashing, password: string, cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<StoredPassword> {
  const salt = hashing.randomBytes(DEFAULT_SCRYPT.saltBytes);
  const hash = await hashing.scrypt(password, salt, { ...cost, keyLength: DEFAULT_SCRYPT.hashBytes });
  return { ...cost, salt, hash };
}

export async function verifyPassword(hashing: PasswordHashing, password: string, stored: StoredPassword): Promise<boolean> {
  const computed = await hashing.scrypt(password, stored.salt, { N: stored.N, r: stored.r, p: stored.p, keyLength: stored.hash.length });
  return hashing.equal(computed, stored.hash);
}
