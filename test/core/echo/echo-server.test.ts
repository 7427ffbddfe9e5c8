import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer, type EchoServerEvent, type EchoServerOptions } from '../../../src/core/echo/echo-server.ts';
import { systemClock, type Clock } from '../../../src/core/shared/clock.ts';
import { MAX_UDP_PAYLOAD } from '../../../src/protocol/echo/echo-format.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { Runtime, UdpSocket } from '../../../src/runtime/types.ts';
import { RawTcpClient, RawUdpPeer, scriptedUdpSocket } from '../../helpers/echo-test-peers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const TS = '1700000000.123456';
// Real timers, a wall time that stands still: every reply carries TS.
const clock: Clock = { ...systemClock, wallNow: () => 1_700_000_000_123.456 };
const HEADER = /\d{10}\.\d{6}:/g;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type EchoRuntime = Pick<Runtime, 'listenTcp' | 'bindUdp'> & Partial<Pick<Runtime, 'networkAddresses'>>;

async function start(options: Partial<EchoServerOptions> = {}, runtime: EchoRuntime = getRuntime()) {
  const events: EchoServerEvent[] = [];
  const waiting = new Set<() => void>();
  const server = await startEchoServer(runtime, {
    host: '127.0.0.1',
    port: 0,
    clock,
    onEvent: (event) => {
      events.push(event);
      for (const waiter of [...waiting]) waiter();
    },
    ...options,
  });
  cleanups.push(() => server.close());
  /** The first event (in order of arrival) that `match` accepts. */
  const waitForEvent = <T extends EchoServerEvent>(match: (event: EchoServerEvent) => event is T, timeoutMs = 5000) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (!found) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`no such event; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      waiting.add(check);
      check();
    });
  return { server, events, waitForEvent };
}

async function connect(server: EchoServer, options?: Parameters<typeof RawTcpClient.connect>[1]) {
  const client = await RawTcpClient.connect(server.address.port, options);
  cleanups.push(() => client.destroy());
  return client;
}

const disconnectOf =
  (port: number) =>
  (event: EchoServerEvent): event is Extract<EchoServerEvent, { type: 'disconnect' }> =>
    event.type === 'disconnect' && event.peer.port === port;

describe('echo server over TCP', () => {
  it('answers a plain client that sends "Hello Server!" and reads once', async () => {
    const { server } = await start();
    const client = await connect(server);
    client.write('Hello Server!');
    await client.waitForBytes(TS.length + 1 + 13);
    expect(client.text()).toBe(`${TS}:Hello Server!`);
    // The connection stays open for more.
    client.write('again');
    await client.waitForText(/again$/);
    expect(client.text()).toBe(`${TS}:Hello Server!${TS}:again`);
  });

  it('uses the real clock by default: Unix seconds with six decimals', async () => {
    const { server } = await start({ clock: undefined });
    const client = await connect(server);
    const before = Date.now() / 1000;
    client.write('x');
    await client.waitForText(/:x$/);
    const seconds = Number(/^(\d+\.\d{6}):x$/.exec(client.text())![1]);
    expect(Math.abs(seconds - before)).toBeLessThan(5);
  });

  it('reports each connect and disconnect with the peer address', async () => {
    const { server, waitForEvent } = await start();
    const client = await connect(server);
    const port = client.socket.localPort!;
    const connected = await waitForEvent((e): e is Extract<EchoServerEvent, { type: 'connect' }> => e.type === 'connect');
    expect(connected.peer).toMatchObject({ address: '127.0.0.1', port });
    client.write('hi');
    await client.waitForText(/hi$/);
    client.socket.end();
    const gone = await waitForEvent(disconnectOf(port));
    expect(gone).toMatchObject({ reason: 'eof', bytesIn: 2, bytesOut: TS.length + 3, clients: 0 });
  });

  it('closes on the 0xFF goodbye without echoing it', async () => {
    const { server, waitForEvent } = await start();
    const client = await connect(server, { allowHalfOpen: true });
    const port = client.socket.localPort!;
    client.write('first');
    await client.waitForText(/first$/);
    client.write(Uint8Array.of(0xff, 0x62, 0x79, 0x65));
    await client.waitForEnd();
    expect(client.text()).toBe(`${TS}:first`);
    client.write('after the goodbye'); // discarded, never echoed
    client.socket.end();
    const gone = await waitForEvent(disconnectOf(port));
    expect(gone.reason).toBe('goodbye');
    expect(client.text()).toBe(`${TS}:first`);
  });

  it('answers a client that sends, then shuts its write side (empty read), then closes', async () => {
    const { server, waitForEvent } = await start();
    const client = await connect(server, { allowHalfOpen: true });
    const port = client.socket.localPort!;
    client.write('Hello Server!');
    client.socket.end();
    await client.waitForEnd();
    expect(client.text()).toBe(`${TS}:Hello Server!`);
    expect((await waitForEvent(disconnectOf(port))).reason).toBe('eof');
  });

  it('echoes binary data and invalid UTF-8 byte for byte', async () => {
    const { server } = await start();
    const client = await connect(server);
    const data = Uint8Array.from({ length: 255 }, (_, i) => i); // 0x00 … 0xfe: not a goodbye
    client.write(data);
    await client.waitForBytes(TS.length + 1 + data.length);
    expect(client.bytes().subarray(0, TS.length + 1).toString('latin1')).toBe(`${TS}:`);
    expect(new Uint8Array(client.bytes().subarray(TS.length + 1))).toEqual(data);
  });

  it('serves many clients at once, each its own replies', async () => {
    const { server } = await start();
    const clients = await Promise.all(Array.from({ length: 100 }, () => connect(server)));
    clients.forEach((client, i) => client.write(`client ${i}`));
    await Promise.all(clients.map((client, i) => client.waitForText(new RegExp(`client ${i}$`))));
    clients.forEach((client, i) => expect(client.text()).toBe(`${TS}:client ${i}`));
    expect(server.clients).toBe(100);
  });

  it('sends every byte of large payloads that arrive in many partial reads', async () => {
    const { server, waitForEvent } = await start();
    const client = await connect(server, { allowHalfOpen: true });
    const port = client.socket.localPort!;
    // Letters only, so the timestamps in the reply stream can be found again.
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = 0x61 + ((i * 7919) % 26);
    client.write(payload);
    client.socket.end();
    await client.waitForEnd(20_000);
    const reply = client.text();
    const headers = reply.match(HEADER) ?? [];
    expect(headers.length).toBeGreaterThan(1); // the server read it in parts
    expect(reply.replace(HEADER, '') === payload.toString('latin1')).toBe(true);
    const gone = await waitForEvent(disconnectOf(port));
    expect(gone).toMatchObject({ reason: 'eof', bytesIn: payload.length, bytesOut: reply.length });
  });

  it('pauses a client that does not read, keeps memory bounded, serves others, then delivers everything', async () => {
    const { server, waitForEvent } = await start();
    const slow = await connect(server, { read: false, allowHalfOpen: true });
    const slowPort = slow.socket.localPort!;
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const total = 64 * chunk.length;
    let written = 0;
    const writeMore = () => {
      while (written < total) {
        written += chunk.length;
        if (!slow.write(chunk)) return;
      }
      slow.socket.end();
    };
    slow.socket.on('drain', writeMore);
    writeMore();

    await waitForEvent((e): e is EchoServerEvent => e.type === 'pause' && e.peer.port === slowPort && e.paused);
    const bound = 256 * 1024; // one read's reply beyond the 16 KiB mark, with room to spare
    expect(server.queuedBytes).toBeLessThan(bound);

    const other = await connect(server);
    other.write('still here');
    await other.waitForText(/still here$/, 1000);
    expect(server.queuedBytes).toBeLessThan(bound);
    expect(written).toBeLessThan(total); // the slow client is held back too

    slow.socket.resume();
    await slow.waitForEnd(30_000);
    expect(slow.text().replace(HEADER, '').length).toBe(total);
  });
});

describe('echo server over TCP, --lines', () => {
  it('answers each line and a last line without LF at end of stream', async () => {
    const { server } = await start({ framing: 'lines' });
    const client = await connect(server, { allowHalfOpen: true });
    client.write('one\r\ntwo\n');
    await client.waitForText(/two\n$/);
    client.write('three');
    client.socket.end();
    await client.waitForEnd();
    expect(client.text()).toBe(`${TS}:one\n${TS}:two\n${TS}:three\n`);
  });

  it('echoes a line at --max-line-bytes and answers one longer with LINE_TOO_LONG', async () => {
    const { server } = await start({ framing: 'lines', limits: { maxLineBytes: 100 } });
    const client = await connect(server);
    client.write(`${'a'.repeat(100)}\n${'b'.repeat(101)}\nnext\n`);
    await client.waitForText(/next\n$/);
    const lines = client.text().split('\n');
    expect(lines[0]).toBe(`${TS}:${'a'.repeat(100)}`);
    expect(lines[1]).toMatch(/^ERROR LINE_TOO_LONG /);
    expect(lines[2]).toBe(`${TS}:next`);
  });

  it('closes at a line starting with 0xFF', async () => {
    const { server } = await start({ framing: 'lines' });
    const client = await connect(server);
    client.write(Buffer.from([...Buffer.from('kept\n'), 0xff, ...Buffer.from('bye\nlost\n')]));
    await client.waitForEnd();
    expect(client.text()).toBe(`${TS}:kept\n`);
  });
});

describe('echo server --max-clients', () => {
  it('serves clients up to the limit and closes the one past it', async () => {
    const { server, waitForEvent } = await start({ limits: { maxClients: 2 } });
    const clients = [await connect(server), await connect(server)];
    const third = await connect(server);
    await third.waitForEnd();
    expect(third.received).toBe(0);
    await waitForEvent((e): e is EchoServerEvent => e.type === 'reject');
    for (const client of clients) {
      client.write('in');
      await client.waitForText(/in$/);
    }
  });

  it('tells the client past the limit ERROR SERVER_FULL in --lines mode', async () => {
    const { server } = await start({ framing: 'lines', limits: { maxClients: 1 } });
    await connect(server);
    const second = await connect(server);
    await second.waitForEnd();
    expect(second.text()).toMatch(/^ERROR SERVER_FULL /);
  });

  it('rejects a limit below its minimum with INVALID_LIMIT', async () => {
    await expect(start({ limits: { maxClients: 0 } })).rejects.toMatchObject({ code: 'INVALID_LIMIT', option: 'maxClients' });
  });
});

describe('echo server shutdown', () => {
  it('closes every connection and stops listening', async () => {
    const { server, waitForEvent } = await start();
    const client = await connect(server);
    const port = client.socket.localPort!;
    client.write('x');
    await client.waitForText(/x$/);
    await server.close();
    await client.waitForEnd();
    expect((await waitForEvent(disconnectOf(port))).reason).toBe('shutdown');
    await expect(RawTcpClient.connect(server.address.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('echo server over UDP', () => {
  async function udp(options: Partial<EchoServerOptions> = {}) {
    const started = await start({ transport: 'udp', ...options });
    const peer = await RawUdpPeer.bind();
    cleanups.push(() => peer.close());
    return { ...started, peer };
  }
  const unanswered = (e: EchoServerEvent): e is Extract<EchoServerEvent, { type: 'unanswered' }> => e.type === 'unanswered';

  it('answers each datagram with one timestamped datagram to the sender', async () => {
    const { server, peer } = await udp();
    await peer.send('Hello Server!', server.address.port);
    await peer.send(Uint8Array.of(0x00, 0xfe, 0x3a), server.address.port);
    await peer.waitForDatagrams(2);
    expect(peer.datagrams[0]!.toString('latin1')).toBe(`${TS}:Hello Server!`);
    expect(peer.datagrams[1]!.toString('latin1')).toBe(`${TS}:\u0000\u00fe:`);
  });

  it('does not answer an empty datagram or a goodbye', async () => {
    const { server, peer, events, waitForEvent } = await udp();
    await peer.send(new Uint8Array(0), server.address.port);
    await waitForEvent(unanswered);
    await peer.send(Uint8Array.of(0xff, 0x61), server.address.port);
    await peer.send('after', server.address.port); // the socket is still served
    await peer.waitForDatagrams(1);
    expect(peer.datagrams.map((d) => d.toString('latin1'))).toEqual([`${TS}:after`]);
    expect(events.filter(unanswered).map((e) => e.reason)).toEqual(['empty', 'goodbye']);
  });

  it('answers the largest datagram whose reply fits, not one byte more', async () => {
    const { server, peer, waitForEvent } = await udp();
    const largest = MAX_UDP_PAYLOAD - TS.length - 1;
    await peer.send(new Uint8Array(largest + 1).fill(0x61), server.address.port);
    expect((await waitForEvent(unanswered)).reason).toBe('too-large');
    await peer.send(new Uint8Array(largest).fill(0x62), server.address.port);
    await peer.waitForDatagrams(1);
    expect(peer.datagrams[0]!.length).toBe(MAX_UDP_PAYLOAD);
  });

  it('leaves datagrams unanswered past --max-pending-replies', async () => {
    // A socket whose sends never complete, so replies pile up.
    const sent: Uint8Array[] = [];
    const { socket, deliver } = scriptedUdpSocket((data) => {
      sent.push(data);
      return new Promise(() => {});
    });
    const runtime = { listenTcp: getRuntime().listenTcp, bindUdp: async () => socket };
    const { events } = await start({ transport: 'udp', limits: { maxPendingReplies: 3 } }, runtime);
    for (let i = 0; i < 4; i++) deliver(Uint8Array.of(0x61 + i), { address: '127.0.0.1', port: 5000 });
    expect(sent).toHaveLength(3);
    expect(events.filter(unanswered).map((e) => e.reason)).toEqual(['queue-full']);
  });
});

describe('echo server over UDP, against reflection and amplification', () => {
  const unanswered = (e: EchoServerEvent): e is Extract<EchoServerEvent, { type: 'unanswered' }> => e.type === 'unanswered';

  /** A UDP echo server whose own socket the test can send from, as a forged source would. */
  async function udpWithSocket(options: Partial<EchoServerOptions> = {}) {
    let socket: UdpSocket | undefined;
    const runtime: EchoRuntime = {
      ...getRuntime(),
      bindUdp: async (bind) => (socket = await getRuntime().bindUdp(bind)),
    };
    const started = await start({ transport: 'udp', ...options }, runtime);
    return { ...started, socket: socket! };
  }

  /** A UDP peer on a loopback address of its own: another client, as far as the per-address cap can tell. */
  async function peerAt(address: string) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    cleanups.push(() => socket.close());
    const datagrams: Buffer[] = [];
    const waiting = new Set<() => void>();
    socket.on('message', (message) => {
      datagrams.push(message);
      for (const waiter of [...waiting]) waiter();
    });
    return {
      datagrams,
      send: (data: string, port: number) =>
        new Promise<void>((resolve, reject) => socket.send(data, port, '127.0.0.1', (error) => (error ? reject(error) : resolve()))),
      waitForDatagrams: (count: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${count} datagrams at ${address}, got ${datagrams.length}`)), 5000);
          const check = () => {
            if (datagrams.length < count) return;
            clearTimeout(timer);
            waiting.delete(check);
            resolve();
          };
          waiting.add(check);
          check();
        }),
    };
  }

  it('does not answer a datagram from its own socket (a forged source would loop it for ever)', async () => {
    const { server, socket, events, waitForEvent } = await udpWithSocket();
    await socket.send('x', server.address.port, '127.0.0.1');
    expect((await waitForEvent(unanswered)).reason).toBe('own-address');
    // Still serving everyone else.
    const peer = await peerAt('127.0.0.1');
    await peer.send('after', server.address.port);
    await peer.waitForDatagrams(1);
    expect(events.filter(unanswered).map((e) => e.reason)).toEqual(['own-address']);
  });

  it('does not bounce a forged datagram between two echo servers: an echo reply is not answered', async () => {
    const a = await udpWithSocket();
    const b = await udpWithSocket();
    // What a datagram to A with B's address forged as its source looks like: A answers B once,
    // and B must not answer A's reply.
    await b.socket.send('x', a.server.address.port, '127.0.0.1');
    expect((await b.waitForEvent(unanswered)).reason).toBe('looks-like-reply');
    expect(a.events.filter(unanswered)).toEqual([]);
  });

  it('answers one address up to --max-replies-per-address in a second, not once more', async () => {
    const fake = new FakeClock();
    const { server, events, waitForEvent } = await start({ transport: 'udp', clock: fake, limits: { maxRepliesPerAddress: 2, maxRepliesPerSecond: 0 } });
    const peer = await peerAt('127.0.0.1');
    await peer.send('a', server.address.port);
    await peer.send('b', server.address.port);
    await peer.waitForDatagrams(2);
    await peer.send('c', server.address.port);
    expect((await waitForEvent(unanswered)).reason).toBe('address-rate');
    // Another address is counted on its own.
    const other = await peerAt('127.0.0.2');
    await other.send('d', server.address.port);
    await other.waitForDatagrams(1);
    // The next second, the first address is answered again.
    fake.advance(1000);
    await peer.send('e', server.address.port);
    await peer.waitForDatagrams(3);
    expect(peer.datagrams.map((d) => d.toString('latin1').split(':')[1])).toEqual(['a', 'b', 'e']);
    expect(events.filter(unanswered).map((e) => e.reason)).toEqual(['address-rate']);
  });

  it('answers everyone together up to --max-replies-per-second, not once more', async () => {
    const fake = new FakeClock();
    const { server, waitForEvent } = await start({ transport: 'udp', clock: fake, limits: { maxRepliesPerAddress: 0, maxRepliesPerSecond: 2 } });
    const one = await peerAt('127.0.0.1');
    const two = await peerAt('127.0.0.2');
    await one.send('a', server.address.port);
    await one.waitForDatagrams(1);
    await two.send('b', server.address.port);
    await two.waitForDatagrams(1);
    await one.send('c', server.address.port);
    expect((await waitForEvent(unanswered)).reason).toBe('total-rate');
  });

  it('does not answer a source port below 1024 (the well-known services), and answers 1024', async () => {
    const sent: number[] = [];
    const { socket, deliver } = scriptedUdpSocket(async (_data, port) => void sent.push(port));
    const runtime = { listenTcp: getRuntime().listenTcp, bindUdp: async () => socket };
    const { events } = await start({ transport: 'udp' }, runtime);
    for (const port of [7, 19, 53, 123, 1023, 1024]) deliver(Uint8Array.of(0x61), { address: '198.51.100.1', port });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([1024]);
    expect(events.filter(unanswered).map((e) => [e.peer.port, e.reason])).toEqual(
      [7, 19, 53, 123, 1023].map((port) => [port, 'reserved-port']),
    );
  });
});
