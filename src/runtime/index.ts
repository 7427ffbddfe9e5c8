import { aes256Gcm, randomBytes } from './aead.ts';
import { bindDenoUdp, denoDatagramsAvailable } from './deno-udp.ts';
import { detectRuntime } from './detect.ts';
import { descriptorLimit } from './descriptors.ts';
import { networkAddresses } from './network-addresses.ts';
import { createSha256 } from './node-hash.ts';
import { nodeFileStore } from './node-files.ts';
import { connectTcp, listenTcp } from './node-tcp.ts';
import { bindUdp } from './node-udp.ts';
import { certificateFingerprint256, createCertificate } from './self-signed-certificate.ts';
import type { Runtime } from './types.ts';

export type * from './types.ts';
export type { RuntimeError, RuntimeErrorCode } from './runtime-errors.ts';
export { detectRuntime } from './detect.ts';

let current: Runtime | undefined;

/**
 * The runtime we are executing on. The `node:` modules behave alike on Node, Bun and Deno for
 * everything netchat needs (RUNTIME-NOTES), so one implementation serves all three, tagged with
 * the real runtime's name; a native fast path for one runtime is chosen here (UDP on Deno).
 */
export function getRuntime(): Runtime {
  current ??= {
    name: detectRuntime(),
    listenTcp,
    connectTcp,
    // Deno's own datagrams when it defines them (`--unstable-net`, netchat's deno.json): its
    // node:dgram copies every datagram twice on the way out and allocates 64 KiB per one in.
    bindUdp: detectRuntime() === 'deno' && denoDatagramsAvailable() ? bindDenoUdp : bindUdp,
    descriptorLimit,
    networkAddresses: () => networkAddresses(),
    files: nodeFileStore,
    sha256: createSha256,
    allocateWriteBuffer: (bytes) => Buffer.allocUnsafeSlow(bytes),
    createCertificate,
    certificateFingerprint256,
    aes256Gcm,
    randomBytes,
  };
  return current;
}
