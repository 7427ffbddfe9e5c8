import { describe, expect, it } from 'vitest';
import { AddressThrottle, type Admission, type PeerAddress } from '../../../src/core/chat/address-throttle.ts';

const limits = { maxConnectionsPerIp: 3, connectRatePerIp: 2, floodBurst: 4, floodLinesPerSecond: 1 };

const peerOf = (admission: Admission): PeerAddress => {
  if (admission.refused) throw new Error(`refused: ${admission.refused}`);
  return admission.peer;
};

describe('AddressThrottle', () => {
  it('admits max-per-ip connections from one address and refuses one more', () => {
    const throttle = new AddressThrottle({ ...limits, connectRatePerIp: 0 }, 100);
    const peers = [1, 2, 3].map(() => peerOf(throttle.admit('10.0.0.1', 0)));
    expect(new Set(peers).size).toBe(1);
    expect(peers[0]!.connections).toBe(3);
    expect(throttle.admit('10.0.0.1', 0)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: true });
    expect(peerOf(throttle.admit('10.0.0.2', 0)).connections).toBe(1);
    throttle.release(peers[0]!, 0);
    expect(peerOf(throttle.admit('10.0.0.1', 0)).connections).toBe(3);
  });

  it('admits a burst of max-per-ip new connections, then connect-rate a second', () => {
    const throttle = new AddressThrottle(limits, 100);
    for (let i = 0; i < 3; i++) throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0);
    expect(throttle.admit('10.0.0.1', 0)).toEqual({ refused: 'CONNECTING_TOO_FAST', report: true });
    expect(throttle.admit('10.0.0.1', 499)).toEqual({ refused: 'CONNECTING_TOO_FAST', report: false });
    throttle.release(peerOf(throttle.admit('10.0.0.1', 500)), 500);
    expect(throttle.admit('10.0.0.1', 500).refused).toBe('CONNECTING_TOO_FAST');
    expect(peerOf(throttle.admit('10.0.0.2', 500)).connections).toBe(1);
  });

  it('reports a throttled address again only after it got a connection through', () => {
    const throttle = new AddressThrottle({ ...limits, maxConnectionsPerIp: 1 }, 100);
    throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0);
    expect(throttle.admit('10.0.0.1', 0)).toMatchObject({ report: true });
    expect(throttle.admit('10.0.0.1', 10)).toMatchObject({ report: false });
    throttle.release(peerOf(throttle.admit('10.0.0.1', 500)), 500);
    expect(throttle.admit('10.0.0.1', 500)).toMatchObject({ report: true });
  });

  it('counts attempts refused for the connection count against the connect rate, and reports them within it', () => {
    const throttle = new AddressThrottle({ ...limits, maxConnectionsPerIp: 1 }, 100);
    peerOf(throttle.admit('10.0.0.1', 0));
    expect(throttle.admit('10.0.0.1', 500)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: true });
    expect(throttle.admit('10.0.0.1', 500)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: false });
    expect(throttle.admit('10.0.0.1', 1000)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: true });
  });

  it('reports the first refusal for the connection count even with no connect token left', () => {
    const throttle = new AddressThrottle({ ...limits, maxConnectionsPerIp: 1 }, 100);
    peerOf(throttle.admit('10.0.0.1', 0));
    expect(throttle.admit('10.0.0.1', 0)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: true });
    expect(throttle.admit('10.0.0.1', 0)).toEqual({ refused: 'TOO_MANY_CONNECTIONS', report: false });
  });

  it('takes the connect token back from a connection that completed a file transfer', () => {
    const throttle = new AddressThrottle({ ...limits, maxConnectionsPerIp: 2 }, 100);
    for (let i = 0; i < 10; i++) throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0, true);
    throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0);
    throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0);
    expect(throttle.admit('10.0.0.1', 0).refused).toBe('CONNECTING_TOO_FAST');
  });

  it('treats an IPv6 /64 as one address', () => {
    const throttle = new AddressThrottle({ ...limits, connectRatePerIp: 0, maxConnectionsPerIp: 2 }, 100);
    peerOf(throttle.admit('2001:db8:0:1::1', 0));
    peerOf(throttle.admit('2001:db8:0:1::2', 0));
    expect(throttle.admit('2001:db8:0:1:ffff::3', 0).refused).toBe('TOO_MANY_CONNECTIONS');
    peerOf(throttle.admit('2001:db8:0:2::1', 0));
  });

  it('gives the connections of one address one shared flood bucket worth max-per-ip connections', () => {
    const throttle = new AddressThrottle(limits, 100);
    const peer = peerOf(throttle.admit('10.0.0.1', 0));
    expect(peer.flood!.capacity).toBe(12);
    expect(peer.flood!.perSecond).toBe(3);
    expect(new AddressThrottle({ ...limits, floodBurst: 0 }, 100).admit('10.0.0.1', 0)).toMatchObject({ peer: { flood: undefined } });
  });

  it('remembers a closed address, flood debt included, until its buckets are full again', () => {
    const throttle = new AddressThrottle({ ...limits, connectRatePerIp: 0 }, 100);
    const peer = peerOf(throttle.admit('10.0.0.1', 0));
    for (let i = 0; i < 12; i++) peer.flood!.take(0);
    throttle.release(peer, 0);
    expect(throttle.size).toBe(1);
    // Reconnecting starts with the old bucket: empty.
    const again = peerOf(throttle.admit('10.0.0.1', 1000));
    expect(again).toBe(peer);
    expect(again.flood!.take(1000)).toBe(0); // 3 tokens came back in a second
    throttle.release(again, 1000);
    throttle.sweep(4333);
    expect(throttle.size).toBe(1);
    throttle.sweep(4334); // 2 tokens left at 1000; 10 more take 3.34 s
    expect(throttle.size).toBe(0);
    expect(peerOf(throttle.admit('10.0.0.1', 4334))).not.toBe(peer);
  });

  it('forgets an address at once when it has nothing to remember', () => {
    const throttle = new AddressThrottle({ ...limits, connectRatePerIp: 0 }, 100);
    throttle.release(peerOf(throttle.admit('10.0.0.1', 0)), 0);
    expect(throttle.size).toBe(0);
  });

  it('remembers at most max-resting closed addresses, forgetting the oldest first', () => {
    const throttle = new AddressThrottle(limits, 2);
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) throttle.release(peerOf(throttle.admit(address, 0)), 0);
    expect(throttle.size).toBe(2);
    const open = peerOf(throttle.admit('10.0.0.4', 0));
    expect(throttle.size).toBe(3);
    // 10.0.0.1 was forgotten: it starts afresh; 10.0.0.3 is still remembered.
    expect(peerOf(throttle.admit('10.0.0.1', 0)).connects!.fullAt(0)).toBe(500);
    expect(peerOf(throttle.admit('10.0.0.3', 0)).connects!.fullAt(0)).toBe(1000);
    throttle.release(open, 0);
  });
});
