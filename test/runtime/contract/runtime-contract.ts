// One behaviour suite for the Runtime interface, run against the real implementation under
// Node, Bun and Deno (runtime.contract.test.ts) and against the test fakes
// (fake-runtime.contract.test.ts), so the fakes cannot drift from the real thing.
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/runtime/types.ts';
import { describeFileStoreContract, type FileFixture } from './file-store-contract.ts';
import { describeTcpContract } from './tcp-contract.ts';
import { describeTlsContract } from './tls-contract.ts';
import { describeUdpContract } from './udp-contract.ts';

export type { FileFixture } from './file-store-contract.ts';

export interface ContractSubject {
  /** A runtime for one test; called at the start of every test. */
  makeRuntime: () => Runtime;
  /** Access to the store's files around the store. */
  files: FileFixture;
  /**
   * Parts of the contract the implementation has (the fakes have no handshake timer, nor the
   * kernel's UDP: its buffers, its size limit, IPv6).
   */
  has: { handshakeTimeout: boolean; kernelUdpBuffers?: boolean; kernelUdp?: boolean };
}

export function describeRuntimeContract(label: string, subject: ContractSubject): void {
  describe(`runtime contract: ${label}`, () => {
    describeTcpContract(subject.makeRuntime);
    describeTlsContract(subject.makeRuntime, subject.has);
    describeUdpContract(subject.makeRuntime, subject.has);
    describeFileStoreContract(subject.makeRuntime, subject.files);

    describe('AES-256-GCM', () => {
      it('opens what it sealed, and nothing forged: altered bytes, header or tag, another key or nonce', () => {
        const runtime = subject.makeRuntime();
        const key = runtime.randomBytes(32);
        expect(key).toHaveLength(32);
        expect(runtime.randomBytes(32)).not.toEqual(key);
        const aead = runtime.aes256Gcm(key);
        const nonce = Uint8Array.from({ length: 12 }, (_, i) => i);
        const header = new TextEncoder().encode('header');
        const plaintext = new TextEncoder().encode('chunk of a file');
        const sealed = aead.seal(nonce, header, plaintext);
        expect(sealed).toHaveLength(plaintext.length + 16);
        expect(aead.open(nonce, header, sealed)).toEqual(Buffer.from(plaintext));
        const flipped = (bytes: Uint8Array, at: number) => Uint8Array.from(bytes, (b, i) => (i === at ? b ^ 1 : b));
        expect(aead.open(nonce, header, flipped(sealed, 0))).toBeUndefined();
        expect(aead.open(nonce, header, flipped(sealed, sealed.length - 1))).toBeUndefined();
        expect(aead.open(nonce, flipped(header, 0), sealed)).toBeUndefined();
        expect(aead.open(flipped(nonce, 11), header, sealed)).toBeUndefined();
        expect(runtime.aes256Gcm(runtime.randomBytes(32)).open(nonce, header, sealed)).toBeUndefined();
        expect(aead.open(nonce, header, sealed.subarray(0, 15))).toBeUndefined();
        expect(() => runtime.aes256Gcm(new Uint8Array(16))).toThrow();
      });
    });

    describe('SHA-256', () => {
      it('matches the FIPS 180-2 vectors, fed whole or in pieces, strings as UTF-8', () => {
        const { sha256 } = subject.makeRuntime();
        expect(sha256().digestHex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
        expect(sha256().update('abc').digestHex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
        const twoBlocks = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';
        const pieces = sha256();
        for (const piece of twoBlocks.match(/.{1,7}/g)!) pieces.update(new TextEncoder().encode(piece));
        expect(pieces.digestHex()).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
        expect(sha256().update('é').digestHex()).toBe(sha256().update(Uint8Array.of(0xc3, 0xa9)).digestHex());
      });
    });
  });
}
