import { describe, expect, it } from 'vitest';
import { networkAddresses } from '../../src/runtime/network-addresses.ts';

describe('networkAddresses', () => {
  it('lists every address of every interface in order, with the family as a name', () => {
    const table = {
      lo: [
        { address: '127.0.0.1', family: 'IPv4', internal: true },
        { address: '::1', family: 'IPv6', internal: true },
      ],
      eth0: [{ address: 'fe80::1', family: 6, internal: false }, { address: '192.0.2.7', family: 4, internal: false }],
      down: undefined,
    };
    expect(networkAddresses(table)).toEqual([
      { interfaceName: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
      { interfaceName: 'lo', address: '::1', family: 'IPv6', internal: true },
      { interfaceName: 'eth0', address: 'fe80::1', family: 'IPv6', internal: false },
      { interfaceName: 'eth0', address: '192.0.2.7', family: 'IPv4', internal: false },
    ]);
  });

  it('finds this machine’s loopback address', () => {
    expect(networkAddresses()).toContainEqual(expect.objectContaining({ address: '127.0.0.1', family: 'IPv4', internal: true }));
  });
});
