import os from 'node:os';
import { detectRuntime } from './detect.ts';
import { connectTcp, listenTcp } from './node-tcp.ts';
import { bindUdp } from './node-udp.ts';
import type { NetworkInterfaceAddress, Runtime } from './types.ts';

export type * from './types.ts';
export { detectRuntime } from './detect.ts';

function networkAddresses(): NetworkInterfaceAddress[] {
  const found: NetworkInterfaceAddress[] = [];
  for (const [interfaceName, entries] of Object.entries(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      found.push({
        interfaceName,
        address: entry.address,
        family: entry.family === 'IPv6' ? 'IPv6' : 'IPv4',
        internal: entry.internal,
      });
    }
  }
  return found;
}

let current: Runtime | undefined;

/**
 * The runtime we are executing on. `node:net`/`node:dgram` behave alike on Node, Bun and Deno
 * for everything netchat needs, so one implementation serves all three, tagged with the real
 * runtime's name; a native fast path for one runtime would be chosen here.
 */
export function getRuntime(): Runtime {
  if (current) return current;
  const { name, version } = detectRuntime();
  current = { name, version, listenTcp, connectTcp, bindUdp, networkAddresses };
  return current;
}
