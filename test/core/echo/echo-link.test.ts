// The client's link to one echo server: the TCP link over a real socket and a scripted
// connection, the UDP link over a scripted socket (echo-client.test.ts runs both against a real
// echo server).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openEchoLink, type EchoLink, type EchoTarget, type LinkLoss } from '../../../src/core/echo/echo-link.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { Runtime, TcpConnection, UdpBindOptions, UdpRemote } from '../../../src/runtime/types.ts';
import { FakeConnection } from '../../helpers/chat-fakes.ts';
import { scriptedUdpSocket } from '../../helpers/echo-test-peers.ts';

const runtime = getRuntime();
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP server that answers each read in upper case and, at the client's end, says "bye" and closes. */
async function upperCaseServer(): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('latin1').toUpperCase()));
    socket.on('end', () => socket.end('bye'));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

/** Everything the link hands over, and the losses it reports. */
function watch(link: EchoLink) {
  const received: string[] = [];
  const losses: LinkLoss[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  link.onReceive((bytes) => {
    received.push(latin1(bytes));
    wake();
  });
  link.onLoss((loss) => {
    losses.push(loss);
    wake();
  });
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const waiter = () => {
        if (!check()) return;
        waiters.delete(waiter);
        resolve();
      };
      waiters.add(waiter);
      waiter();
    });
  return { received, losses, until, text: () => received.join('') };
}

/** A runtime whose connectTcp hands out `connection`, and whose bindUdp is not used. */
function runtimeWith(connection: TcpConnection): Pick<Runtime, 'connectTcp' | 'bindUdp'> {
  return { connectTcp: async () => connection, bindUdp: () => Promise.reject(new Error('no UDP here')) };
}

const TCP_TARGET: EchoTarget = { host: '127.0.0.1', port: 9, timeoutMs: 1000 };

describe('echo link over TCP', () => {
  it('sends, hands over what comes back, half-closes at end(), and reports the server’s close', async () => {
    const port = await upperCaseServer();
    const link = await openEchoLink(runtime, { host: '127.0.0.1', port, timeoutMs: 2000 });
    cleanups.push(() => link.close());
    expect(link.transport).toBe('tcp');
    const seen = watch(link);
    expect(link.send(new TextEncoder().encode('hello'))).toBe(true);
    await seen.until(() => seen.text() === 'HELLO');
    // After our half-close the server can still answer; its close ends the link.
    link.end();
    await seen.until(() => seen.losses.length > 0);
    expect(seen.text()).toBe('HELLObye');
    expect(seen.losses).toEqual(['server-closed']);
  });

  it('fails with CONNECT_FAILED naming host and port, an IPv6 address in brackets', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const failing = { connectTcp: () => Promise.reject(refused), bindUdp: () => Promise.reject(new Error('unused')) };
    await expect(openEchoLink(failing, { host: '::1', port: 9, timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
      message: 'cannot connect to [::1]:9: ECONNREFUSED',
      cause: refused,
    });
  });

  it('passes pause and resume to the connection', async () => {
    const connection = new FakeConnection({ address: '127.0.0.1', port: 9, family: 'IPv4' });
    const link = await openEchoLink(runtimeWith(connection), TCP_TARGET);
    link.pause();
    expect(connection.paused).toBe(true);
    link.resume();
    expect(connection.paused).toBe(false);
  });

  it('reports the server’s end once, even when the close follows', async () => {
    const connection = new FakeConnection({ address: '127.0.0.1', port: 9, family: 'IPv4' });
    const seen = watch(await openEchoLink(runtimeWith(connection), TCP_TARGET));
    connection.peerEnd();
    connection.emitClose(false);
    expect(seen.losses).toEqual(['server-closed']);
  });

  it('reports no loss once we closed it ourselves', async () => {
    const connection = new FakeConnection({ address: '127.0.0.1', port: 9, family: 'IPv4' });
    const link = await openEchoLink(runtimeWith(connection), TCP_TARGET);
    const seen = watch(link);
    link.close();
    expect(connection.destroyed).toBe(true);
    connection.emitClose(false);
    expect(seen.losses).toEqual([]);
  });

  it('resolves drained() once the kernel took the backlog, and at once when closed', async () => {
    const port = await upperCaseServer();
    const link = await openEchoLink(runtime, { host: '127.0.0.1', port, timeoutMs: 2000 });
    cleanups.push(() => link.close());
    link.pause(); // the server's answers are not read, but it reads ours
    const big = new Uint8Array(4 * 1024 * 1024);
    let full = false;
    for (let i = 0; i < 64 && !full; i++) full = !link.send(big);
    expect(full).toBe(true);
    await link.drained();
    link.close();
    await link.drained();
  });
});

describe('echo link over UDP', () => {
  function udpLink(host: string, onSend: (data: Uint8Array, port: number) => Promise<void> = async () => {}) {
    const { socket, deliver } = scriptedUdpSocket(onSend);
    const binds: UdpBindOptions[] = [];
    const fake: Pick<Runtime, 'connectTcp' | 'bindUdp'> = {
      connectTcp: () => Promise.reject(new Error('no TCP here')),
      bindUdp: async (options) => {
        binds.push(options);
        return socket;
      },
    };
    return { link: openEchoLink(fake, { host, port: 7000, timeoutMs: 1000, transport: 'udp' }), binds, deliver };
  }

  it.each([
    ['127.0.0.1', '0.0.0.0'],
    ['echo.example', '0.0.0.0'],
    ['::1', '::'],
  ])('aims at %s from a socket bound to %s, any port', async (host, bindHost) => {
    const { link, binds } = udpLink(host);
    expect((await link).transport).toBe('udp');
    expect(binds).toEqual([{ host: bindHost, port: 0 }]);
  });

  it('sends each send() as one datagram to the target, never reporting a full buffer', async () => {
    const sent: Array<[string, number]> = [];
    const { link: opening } = udpLink('127.0.0.1', async (data, port) => void sent.push([latin1(data), port]));
    const link = await opening;
    expect(link.send(new TextEncoder().encode('one'))).toBe(true);
    expect(link.send(new TextEncoder().encode('two'))).toBe(true);
    await link.drained();
    expect(sent).toEqual([
      ['one', 7000],
      ['two', 7000],
    ]);
  });

  it('hands over only datagrams from the server’s port', async () => {
    const { link: opening, deliver } = udpLink('127.0.0.1');
    const seen = watch(await opening);
    const from = (port: number): UdpRemote => ({ address: '127.0.0.1', port });
    deliver(new TextEncoder().encode('noise'), from(7001));
    deliver(new TextEncoder().encode('reply'), from(7000));
    expect(seen.received).toEqual(['reply']);
  });

  it('reports a failed send as send-failed, but not after close()', async () => {
    const { link: opening } = udpLink('127.0.0.1', () => Promise.reject(new Error('EHOSTUNREACH')));
    const link = await opening;
    const seen = watch(link);
    link.send(Uint8Array.of(1));
    await seen.until(() => seen.losses.length > 0);
    expect(seen.losses).toEqual(['send-failed']);
    link.close();
    link.send(Uint8Array.of(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.losses).toEqual(['send-failed']);
  });
});
