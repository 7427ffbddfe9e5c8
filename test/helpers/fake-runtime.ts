// A whole Runtime without sockets or disk: TCP and UDP in memory, files in memory, and the real
// hashing and certificate functions (they touch nothing outside the process).
import { aes256Gcm, randomBytes } from '../../src/runtime/aead.ts';
import { createSha256 } from '../../src/runtime/node-hash.ts';
import { certificateFingerprint256, createCertificate } from '../../src/runtime/self-signed-certificate.ts';
import type { Runtime } from '../../src/runtime/types.ts';
import { FakeNetwork } from './fake-network.ts';
import { FakeUdpNetwork } from './fake-udp-network.ts';
import { MemoryFileStore } from './memory-file-store.ts';

export interface FakeRuntime {
  runtime: Runtime;
  network: FakeNetwork;
  udp: FakeUdpNetwork;
  files: MemoryFileStore;
  /** What `descriptorLimit()` answers (1024 unless a test sets it; undefined = unknown). */
  descriptors: { limit: number | undefined };
}

export function createFakeRuntime(): FakeRuntime {
  const network = new FakeNetwork();
  const udp = new FakeUdpNetwork();
  const files = new MemoryFileStore();
  const descriptors: { limit: number | undefined } = { limit: 1024 };
  const runtime: Runtime = {
    name: 'node',
    listenTcp: (options, onConnection) => network.listenTcp(options, onConnection),
    connectTcp: (options) => network.connectTcp(options),
    bindUdp: udp.bindUdp,
    descriptorLimit: () => descriptors.limit,
    networkAddresses: () => [
      { interfaceName: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
      { interfaceName: 'eth0', address: '192.0.2.10', family: 'IPv4', internal: false },
    ],
    files,
    sha256: createSha256,
    allocateWriteBuffer: (bytes) => new Uint8Array(bytes),
    createCertificate,
    certificateFingerprint256,
    aes256Gcm,
    randomBytes,
  };
  return { runtime, network, udp, files, descriptors };
}
