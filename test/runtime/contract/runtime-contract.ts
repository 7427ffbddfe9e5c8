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
  /** Parts of the contract the implementation has (the fakes have no handshake timer). */
  has: { handshakeTimeout: boolean; kernelUdpBuffers?: boolean };
}

export function describeRuntimeContract(label: string, subject: ContractSubject): void {
  describe(`runtime contract: ${label}`, () => {
    describeTcpContract(subject.makeRuntime);
    describeTlsContract(subject.makeRuntime, subject.has);
    describeUdpContract(subject.makeRuntime, subject.has);
    describeFileStoreContract(subject.makeRuntime, subject.files);

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
