// Authenticated encryption for what travels outside TLS (sealed UDP transfer datagrams):
// AES-256-GCM through node:crypto, which Node, Bun and Deno all provide. A forged or altered
// message fails its 16-byte tag and opens to nothing; it never throws.
import { createCipheriv, createDecipheriv, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { runtimeError } from './runtime-errors.ts';
import type { Aead } from './types.ts';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function aes256Gcm(key: Uint8Array): Aead {
  if (key.length !== KEY_BYTES) throw runtimeError('ERR_OUT_OF_RANGE', `an AES-256 key is ${KEY_BYTES} bytes, not ${key.length}`);
  const secret = Buffer.from(key);
  return {
    tagBytes: TAG_BYTES,
    seal(nonce, additionalData, plaintext) {
      if (nonce.length !== NONCE_BYTES) throw runtimeError('ERR_OUT_OF_RANGE', `an AES-GCM nonce is ${NONCE_BYTES} bytes`);
      const cipher = createCipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return Buffer.concat([head, tail, cipher.getAuthTag()]);
    },
    open(nonce, additionalData, sealed) {
      if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      try {
        const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
        const tail = decipher.final();
        return tail.length === 0 ? head : Buffer.concat([head, tail]);
      } catch {
        return undefined;
      }
    },
  };
}

export function randomBytes(count: number): Uint8Array {
  return cryptoRandomBytes(count);
}
