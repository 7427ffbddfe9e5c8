import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runEchoStream, runProbes, type ProbeResult, type StreamOutput } from '../../../src/core/echo/echo-client.ts';
import { startEchoServer, type EchoServerOptions } from '../../../src/core/echo/echo-server.ts';
import { systemClock, type Clock } from '../../../src/core/shared/clock.ts';
import { UDP_CHUNK_BYTES, UDP_WINDOW } from '../../../src/core/echo/echo-stream-client.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { closedPort, scriptedUdpSocket } from '../../helpers/echo-test-peers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const TS = '1700000000.123456';
// Real timers, a wall time that stands still: every reply carries TS.
const clock: Clock = { ...systemClock, wallNow: () => 1_700_000_000_123.456 };
const runtime = getRuntime();
const HEADER = /\d{10}\.\d{6}:/g;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(options: Partial<EchoServerOptions> = {}): Promise<number> {
  const server = await startEchoServer(runtime, { host: '127.0.0.1', port: 0, clock, ...options });
  cleanups.push(() => server.close());
  return server.address.port;
}

/** A TCP server of our own making, for servers that misbehave on purpose. */
async function customServer(onConnection: (socket: net.Socket) => void, allowHalfOpen = false): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** An echo server that notes the fake time each probe arrives and answers `replyMs` of fake time later. */
async function timedServer(clock: FakeClock, replyMs: number): Promise<{ port: number; arrivals: number[] }> {
  const arrivals: number[] = [];
  const port = await customServer((socket) =>
    socket.on('data', (chunk: Buffer) => {
      arrivals.push(clock.now());
      clock.advance(replyMs);
      socket.write(`${TS}:${chunk.toString('latin1')}`);
    }),
  );
  return { port, arrivals };
}

/** A UDP port with nothing behind it. */
async function silentUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function probe(port: number, options: Partial<Parameters<typeof runProbes>[1]> = {}, onResult = () => {}) {
  const results: ProbeResult[] = [];
  const run = runProbes(runtime, { host: '127.0.0.1', port, count: 3, intervalMs: 0, timeoutMs: 2000, ...options }, (r) => {
    results.push(r);
    onResult();
  });
  return { results, run };
}

describe('runProbes', () => {
  it.each([
    ['plain TCP', {}, {}],
    ['TCP --lines', { framing: 'lines' as const }, { framing: 'lines' as const }],
    ['UDP', { transport: 'udp' as const }, { transport: 'udp' as const }],
  ])('measures each round trip over %s', async (_, serverOptions, clientOptions) => {
    const port = await echoServer(serverOptions);
    const { results, run } = probe(port, clientOptions);
    const summary = await run;
    expect(summary).toMatchObject({ sent: 3, received: 3, end: 'done' });
    expect(summary.rttsMs).toHaveLength(3);
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3]);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'reply', timestamp: TS });
      if (result.status === 'reply') expect(result.rttMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('waits the interval from one probe’s send to the next', async () => {
    const fake = new FakeClock();
    const { port, arrivals } = await timedServer(fake, 0);
    const start = fake.now();
    // The interval's wait is set up as soon as a result is reported: let it pass then.
    const { run } = probe(port, { clock: fake, intervalMs: 60 }, () => queueMicrotask(() => fake.advance(60)));
    expect(await run).toMatchObject({ sent: 3, received: 3, rttsMs: [0, 0, 0], end: 'done' });
    expect(arrivals).toEqual([start, start + 60, start + 120]);
  });

  it('sends the next probe at once when a reply took longer than the interval', async () => {
    const fake = new FakeClock();
    const { port, arrivals } = await timedServer(fake, 100);
    const start = fake.now();
    const summary = await probe(port, { clock: fake, intervalMs: 60 }).run;
    expect(summary).toMatchObject({ sent: 3, received: 3, rttsMs: [100, 100, 100], end: 'done' });
    expect(arrivals).toEqual([start, start + 100, start + 200]);
  });

  it('puts together a reply the server sent in one-byte runs', async () => {
    const port = await customServer((socket) =>
      socket.on('data', (chunk: Buffer) => {
        for (const char of chunk.toString('latin1')) socket.write(`${TS}:${char}`);
      }),
    );
    const summary = await probe(port).run;
    expect(summary).toMatchObject({ sent: 3, received: 3, end: 'done' });
  });

  it('counts a probe with no reply in time as lost, and skips its late reply', async () => {
    const fake = new FakeClock();
    // Holds the first probe past its timeout and answers it only together with the second.
    const port = await customServer((socket) => {
      const held: string[] = [];
      socket.on('data', (chunk: Buffer) => {
        held.push(chunk.toString('latin1'));
        if (held.length === 1) fake.advance(100);
        if (held.length === 2) socket.write(held.map((p) => `${TS}:${p}`).join(''));
      });
    });
    const { results, run } = probe(port, { clock: fake, count: 2, timeoutMs: 100 });
    const summary = await run;
    expect(results.map((r) => [r.seq, r.status])).toEqual([
      [1, 'timeout'],
      [2, 'reply'],
    ]);
    expect(summary).toMatchObject({ sent: 2, received: 1, end: 'done' });
  });

  it('fails with CONNECT_FAILED when nothing listens', async () => {
    await expect(probe(await closedPort()).run).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('gets no replies from a UDP port with nothing behind it', async () => {
    const fake = new FakeClock();
    const { results, run } = probe(await silentUdpPort(), { clock: fake, transport: 'udp', count: 2, timeoutMs: 5000 });
    await fake.advanceWhileWaiting(run);
    expect(await run).toMatchObject({ sent: 2, received: 0, end: 'done' });
    expect(results.map((r) => r.status)).toEqual(['timeout', 'timeout']);
  });

  it('stops when the server closes the connection', async () => {
    const port = await customServer((socket) => socket.on('data', () => socket.end()));
    expect(await probe(port).run).toMatchObject({ sent: 1, received: 0, end: 'server-closed' });
  });

  it('stops at a reply that is not a netchat echo reply', async () => {
    const port = await customServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
    expect(await probe(port).run).toMatchObject({ received: 0, end: 'bad-reply' });
  });

  it('stops when interrupted, without counting the probe cut short', async () => {
    const port = await customServer(() => {}); // never answers
    const interrupt = new AbortController();
    const { run } = probe(port, { signal: interrupt.signal, count: 5, timeoutMs: 30_000 });
    setImmediate(() => interrupt.abort());
    expect(await run).toMatchObject({ sent: 0, received: 0, end: 'interrupted' });
  });

  it('stops during the interval when interrupted', async () => {
    const port = await echoServer();
    const interrupt = new AbortController();
    const summary = await runProbes(
      runtime,
      { host: '127.0.0.1', port, count: 5, intervalMs: 30_000, timeoutMs: 2000, signal: interrupt.signal },
      () => interrupt.abort(),
    );
    expect(summary).toMatchObject({ sent: 1, received: 1, end: 'interrupted' });
  });
});

/** Collects output; with `blockEvery`, every nth write reports a full buffer and drains soon after. */
function collector(blockEvery = 0): StreamOutput & { chunks: Uint8Array[]; text(): string; writesWhileFull: number } {
  const chunks: Uint8Array[] = [];
  let drainListeners: Array<() => void> = [];
  let full = false;
  return {
    chunks,
    writesWhileFull: 0,
    write(chunk) {
      if (full) this.writesWhileFull++;
      chunks.push(chunk);
      if (blockEvery && chunks.length % blockEvery === 0) {
        full = true;
        setImmediate(() => {
          full = false;
          const listeners = drainListeners;
          drainListeners = [];
          for (const listener of listeners) listener();
        });
        return false;
      }
      return true;
    },
    once(_event, listener) {
      drainListeners.push(listener);
    },
    text: () => Buffer.concat(chunks).toString('latin1'),
  };
}

async function* chunksOf(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
}

function stream(port: number, input: AsyncIterable<Uint8Array>, output: StreamOutput, options: Partial<Parameters<typeof runEchoStream>[1]> = {}) {
  return runEchoStream(runtime, { host: '127.0.0.1', port, timeoutMs: 2000, ...options }, input, output);
}

describe('runEchoStream over TCP', () => {
  it('sends the input and writes every reply byte, done when the server closes', async () => {
    const port = await echoServer();
    const output = collector();
    const summary = await stream(port, chunksOf('Hello ', 'Server!'), output);
    expect(summary).toMatchObject({ end: 'done', bytesSent: 13 });
    expect(output.text()).toMatch(/^1700000000\.123456:/);
    expect(output.text().replace(HEADER, '')).toBe('Hello Server!');
    expect(summary.bytesReceived).toBe(output.text().length);
  });

  it('with --lines, ends a last line without LF so it is answered', async () => {
    const port = await echoServer({ framing: 'lines' });
    const output = collector();
    expect((await stream(port, chunksOf('a\nb'), output, { framing: 'lines' })).end).toBe('done');
    expect(output.text()).toBe(`${TS}:a\n${TS}:b\n`);
  });

  it('pauses the connection while the output is full, losing nothing', async () => {
    const port = await echoServer();
    const output = collector(2);
    const payload = Buffer.alloc(2 * 1024 * 1024, 'z');
    expect((await stream(port, chunksOf(payload), output)).end).toBe('done');
    expect(output.text().replace(HEADER, '').length).toBe(payload.length);
    expect(output.chunks.length).toBeGreaterThan(4);
    expect(output.writesWhileFull).toBe(0);
  });

  it('reports server-closed when the server closes before the input ends', async () => {
    const port = await echoServer();
    async function* input() {
      yield Uint8Array.of(0xff); // the goodbye: the server closes
      await new Promise(() => {}); // and the input never ends
    }
    expect((await stream(port, input(), collector())).end).toBe('server-closed');
  });

  it('reports no-close when the server stays silent and open after the input', async () => {
    const port = await customServer((socket) => socket.resume(), true);
    const fake = new FakeClock();
    const run = stream(port, chunksOf('x'), collector(), { clock: fake, timeoutMs: 5000 });
    await fake.advanceWhileWaiting(run);
    expect((await run).end).toBe('no-close');
  });

  it('fails with CONNECT_FAILED when nothing listens', async () => {
    await expect(stream(await closedPort(), chunksOf('x'), collector())).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('stops when interrupted', async () => {
    const port = await echoServer();
    const interrupt = new AbortController();
    async function* input() {
      yield Buffer.from('x');
      interrupt.abort();
      await new Promise(() => {});
    }
    expect((await stream(port, input(), collector(), { signal: interrupt.signal })).end).toBe('interrupted');
  });
});

describe('runEchoStream over UDP', () => {
  it('sends reads as datagrams of at most UDP_CHUNK_BYTES', async () => {
    const port = await echoServer({ transport: 'udp' });
    const output = collector();
    const payload = Buffer.alloc(2 * UDP_CHUNK_BYTES + 200, 'q');
    const summary = await stream(port, chunksOf(payload), output, { transport: 'udp' });
    expect(summary).toMatchObject({ end: 'done', messagesSent: 3, repliesReceived: 3 });
    expect(output.chunks.map((c) => c.length - TS.length - 1)).toEqual([UDP_CHUNK_BYTES, UDP_CHUNK_BYTES, 200]);
  });

  it('with --lines, sends one datagram per line, the last one given its LF', async () => {
    const port = await echoServer({ transport: 'udp' });
    const output = collector();
    const summary = await stream(port, chunksOf('one\ntw', 'o\nthree'), output, { transport: 'udp', framing: 'lines' });
    expect(summary).toMatchObject({ end: 'done', messagesSent: 3, repliesReceived: 3 });
    expect(output.chunks.map((c) => Buffer.from(c).toString('latin1')).sort()).toEqual([`${TS}:one\n`, `${TS}:three\n`, `${TS}:two\n`]);
  });

  it('keeps at most UDP_WINDOW datagrams in flight and gets every reply', async () => {
    // A server that answers only once the window is full: a client that sent past the window
    // without waiting would show up in maxInFlight.
    const waiting: Uint8Array[] = [];
    let maxInFlight = 0;
    const { socket, deliver } = scriptedUdpSocket(async (data, port) => {
      waiting.push(data);
      maxInFlight = Math.max(maxInFlight, waiting.length);
      if (waiting.length === UDP_WINDOW) queueMicrotask(() => deliver(waiting.shift()!, { address: '127.0.0.1', port }));
    });
    const fake = { connectTcp: runtime.connectTcp, bindUdp: async () => socket };
    const count = UDP_WINDOW * 3;
    const lines = Array.from({ length: count }, (_, i) => `line ${i}\n`).join('');
    const input = chunksOf(lines);
    const clock = new FakeClock();
    const run = runEchoStream(fake, { host: '127.0.0.1', port: 9, timeoutMs: 5000, clock, transport: 'udp', framing: 'lines' }, input, collector());
    await clock.advanceWhileWaiting(run);
    const summary = await run;
    expect(maxInFlight).toBe(UDP_WINDOW);
    expect(summary).toMatchObject({ end: 'done', messagesSent: count });
    // The last window is never answered by this server: it is written off after the timeout.
    expect(summary.repliesReceived).toBe(count - UDP_WINDOW + 1);
  });

  it('gets every reply from a real server for more lines than the window', async () => {
    const port = await echoServer({ transport: 'udp' });
    const lines = Array.from({ length: UDP_WINDOW * 4 }, (_, i) => `line ${i}\n`).join('');
    const summary = await stream(port, chunksOf(lines), collector(), { transport: 'udp', framing: 'lines' });
    expect(summary).toMatchObject({ end: 'done', messagesSent: UDP_WINDOW * 4, repliesReceived: UDP_WINDOW * 4 });
  });

  it('counts datagrams with no reply after the timeout', async () => {
    const port = await silentUdpPort();
    const fake = new FakeClock();
    const run = stream(port, chunksOf('a\nb\n'), collector(), { clock: fake, transport: 'udp', framing: 'lines', timeoutMs: 5000 });
    await fake.advanceWhileWaiting(run);
    const summary = await run;
    expect(summary).toMatchObject({ end: 'done', messagesSent: 2, repliesReceived: 0 });
  });
});
