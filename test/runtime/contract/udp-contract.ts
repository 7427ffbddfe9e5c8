// UDP behaviour every Runtime keeps: datagrams both ways with the sender's address, whole up to
// the largest and kept intact by a listener that holds on to them, `off` removing the very
// listener given to `on`, and close; with the kernel's sockets also their buffers, EMSGSIZE and
// IPv6.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Runtime, UdpRemote, UdpSocket } from '../../../src/runtime/types.ts';
import { Waiters, pattern, rejectionOf, sameBytes } from './contract-peers.ts';

interface Inbox {
  datagrams: Array<{ data: Uint8Array; from: UdpRemote }>;
  listener: (data: Uint8Array, from: UdpRemote) => void;
  until: (count: number) => Promise<void>;
}

function inbox(): Inbox {
  const waiters = new Waiters();
  const datagrams: Inbox['datagrams'] = [];
  return {
    datagrams,
    listener: (data, from) => {
      datagrams.push({ data, from });
      waiters.poke();
    },
    until: (count) => waiters.until(() => datagrams.length >= count, () => `${count} datagrams, got ${datagrams.length}`),
  };
}

async function bound(runtime: Runtime): Promise<UdpSocket> {
  const socket = await runtime.bindUdp({ host: '127.0.0.1', port: 0 });
  onTestFinished(() => socket.close());
  return socket;
}

/** `ss` (iproute2) lists sockets with their kernel buffers; Linux only. */
const ssAvailable = process.platform === 'linux' && (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The receive buffer Linux gave the UDP socket on `port` (`ss -m`: skmem rb). */
function kernelReceiveBuffer(port: number): number {
  const report = execFileSync('ss', ['-uamnH', `sport = :${port}`], { encoding: 'utf8' });
  const rb = /skmem:\(r\d+,rb(\d+),/.exec(report);
  if (!rb) throw new Error(`no receive buffer in ss's report: ${report}`);
  return Number(rb[1]);
}

/** What Linux grants a request for `bytes` of receive buffer: twice that, within net.core.rmem_max. */
function grantedFor(bytes: number): number {
  const max = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  return 2 * Math.min(bytes, max);
}

export function describeUdpContract(makeRuntime: () => Runtime, has: { kernelUdpBuffers?: boolean; kernelUdp?: boolean } = {}): void {
  describe('UDP', () => {
    // The receiver's window is what its socket holds: the runtime must report the kernel's size,
    // not the size it was asked for (Deno's node:dgram reports the latter and sets nothing by itself).
    it.skipIf(!has.kernelUdpBuffers || !ssAvailable)(
      'reports the receive buffer the kernel granted, before and after asking for more',
      async () => {
        const socket = await bound(makeRuntime());
        expect(socket.receiveBufferBytes?.()).toBe(kernelReceiveBuffer(socket.address.port));
        socket.setReceiveBufferSize(1024 * 1024);
        const granted = socket.receiveBufferBytes?.();
        expect(granted).toBe(kernelReceiveBuffer(socket.address.port));
        // The request reached the kernel (Deno's own UDP cannot ask: it goes through libc there).
        expect(granted).toBe(grantedFor(1024 * 1024));
      },
    );

    it('sends datagrams both ways, whole, with the sender’s address', async () => {
      const runtime = makeRuntime();
      const [a, b] = [await bound(runtime), await bound(runtime)];
      expect(a.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
      expect(a.address.port).toBeGreaterThan(0);
      expect(a.address.port).not.toBe(b.address.port);
      const [atA, atB] = [inbox(), inbox()];
      a.on('message', atA.listener);
      b.on('message', atB.listener);
      const payload = pattern(1400);
      await a.send(payload, b.address.port, '127.0.0.1');
      await b.send('pong', a.address.port, '127.0.0.1');
      await Promise.all([atA.until(1), atB.until(1)]);
      expect(sameBytes(atB.datagrams[0]!.data, payload)).toBe(true);
      expect(atB.datagrams[0]!.from).toEqual({ address: '127.0.0.1', port: a.address.port });
      expect(new TextDecoder().decode(atA.datagrams[0]!.data)).toBe('pong');
      a.setReceiveBufferSize(256 * 1024);
      a.setSendBufferSize(256 * 1024);
    });

    it('hands over every datagram whole, the largest too, and what a listener keeps stays as it came', async () => {
      const runtime = makeRuntime();
      const [a, b] = [await bound(runtime), await bound(runtime)];
      const atB = inbox();
      b.on('message', atB.listener);
      const sizes = [65_507, 65_507, 100, 0, 65_000, 1];
      for (const [i, size] of sizes.entries()) await a.send(new Uint8Array(size).fill(i + 1), b.address.port, '127.0.0.1');
      await atB.until(sizes.length);
      // Loopback keeps their order.
      expect(atB.datagrams.map(({ data }) => data.length)).toEqual(sizes);
      expect(atB.datagrams.every(({ data }, i) => data.every((byte) => byte === i + 1))).toBe(true);
    });

    it.skipIf(!has.kernelUdp)('rejects a datagram too large to send with EMSGSIZE', async () => {
      const socket = await bound(makeRuntime());
      const error = await rejectionOf(socket.send(new Uint8Array(70_000), socket.address.port, '127.0.0.1'));
      expect((error as { code?: string }).code).toBe('EMSGSIZE');
    });

    it.skipIf(!has.kernelUdp)('speaks IPv6: on ::1 both ways, and on :: IPv4 senders arrive as ::ffff: addresses', async (context) => {
      const runtime = makeRuntime();
      const v6 = await runtime.bindUdp({ host: '::1', port: 0 }).catch(() => undefined);
      if (!v6) return context.skip('no IPv6 loopback here');
      onTestFinished(() => v6.close());
      const any = await runtime.bindUdp({ host: '::', port: 0 });
      onTestFinished(() => any.close());
      const v4 = await bound(runtime);
      expect(v6.address).toMatchObject({ address: '::1', family: 'IPv6' });
      expect(any.address).toMatchObject({ address: '::', family: 'IPv6' });
      const [atV6, atAny] = [inbox(), inbox()];
      v6.on('message', atV6.listener);
      any.on('message', atAny.listener);
      await any.send('to ::1', v6.address.port, '::1');
      await v4.send('from v4', any.address.port, '127.0.0.1');
      await Promise.all([atV6.until(1), atAny.until(1)]);
      expect(atV6.datagrams[0]!.from).toEqual({ address: '::1', port: any.address.port });
      expect(new TextDecoder().decode(atV6.datagrams[0]!.data)).toBe('to ::1');
      expect(atAny.datagrams[0]!.from).toEqual({ address: '::ffff:127.0.0.1', port: v4.address.port });
    });

    it('off removes the listener given to on, and only that one', async () => {
      const runtime = makeRuntime();
      const [sender, receiver] = [await bound(runtime), await bound(runtime)];
      const [removed, kept, later] = [inbox(), inbox(), inbox()];
      receiver.on('message', removed.listener);
      receiver.on('message', kept.listener);
      receiver.off('message', removed.listener);
      receiver.off('message', () => {}); // never added: a no-op
      await sender.send('one', receiver.address.port, '127.0.0.1');
      await kept.until(1);
      receiver.off('message', kept.listener);
      receiver.on('message', later.listener);
      await sender.send('two', receiver.address.port, '127.0.0.1');
      await later.until(1);
      expect([removed.datagrams.length, kept.datagrams.length, later.datagrams.length]).toEqual([0, 1, 1]);
    });

    it('closes once: close resolves, the close event fires, a later send is refused', async () => {
      const runtime = makeRuntime();
      const socket = await runtime.bindUdp({ host: '127.0.0.1', port: 0 });
      let closes = 0;
      const waiters = new Waiters();
      socket.on('close', () => {
        closes++;
        waiters.poke();
      });
      await socket.close();
      await socket.close();
      await waiters.until(() => closes > 0, () => 'the close event');
      await rejectionOf(socket.send('x', 9, '127.0.0.1'));
      expect(closes).toBe(1);
    });
  });
}
