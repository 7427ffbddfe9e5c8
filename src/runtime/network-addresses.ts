import os from 'node:os';
import type { NetworkInterfaceAddress } from './types.ts';

/** What `os.networkInterfaces()` returns; `family` was a number (4, 6) on Node 18.0–18.3. */
type InterfaceTable = Record<string, Array<{ address: string; family: string | number; internal: boolean }> | undefined>;

/** Every address of every interface of this machine, in the order the OS lists them. */
export function networkAddresses(table: InterfaceTable = os.networkInterfaces()): NetworkInterfaceAddress[] {
  const found: NetworkInterfaceAddress[] = [];
  for (const [interfaceName, entries] of Object.entries(table)) {
    for (const entry of entries ?? []) {
      found.push({
        interfaceName,
        address: entry.address,
        family: entry.family === 'IPv6' || entry.family === 6 ? 'IPv6' : 'IPv4',
        internal: entry.internal,
      });
    }
  }
  return found;
}
