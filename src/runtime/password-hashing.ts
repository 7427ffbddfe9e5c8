import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters: N (a power of two), r (block size), p (parallelism). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

/**
 * What password checking needs from the host: scrypt, random salt, and a comparison whose time
 * does not depend on where two byte strings differ. node:crypto gives identical results on
 * Node, Bun and Deno.
 */
export interface PasswordHashing {
  scrypt(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array>;
  randomBytes(length: number): Uint8Array;
  /** Constant-time equality; unequal lengths are unequal (their length is not secret). */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

/** scrypt needs about 128·N·r bytes; node:crypto refuses past 32 MiB unless told (twice that, to be safe). */
const scryptMaxmem = (params: ScryptParams) => 2 * 128 * params.N * params.r + 128 * params.r * params.p + 1024 * 1024;

export const nodePasswordHashing: PasswordHashing = {
  scrypt: (password, salt, params) =>
    new Promise((resolve, reject) => {
      const options = { N: params.N, r: params.r, p: params.p, maxmem: scryptMaxmem(params) };
      scrypt(password.normalize('NFC'), salt, params.keyLength, options, (error, key) => {
        if (error) reject(error);
        else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
      });
    }),
  randomBytes: (length) => new Uint8Array(randomBytes(length)),
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
};
