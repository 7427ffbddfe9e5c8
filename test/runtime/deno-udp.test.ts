// DenoUdpSocket against a stand-in for Deno's DatagramConn, under Node: what it hands the
// listeners, what it sends, its errors and its close. The real thing runs in the runtime
// contract under Deno (runtime:deno), which also checks that netchat uses it there.
import { describe, expect, it } from 'vitest';
import { bindDenoUdp, denoDatagramsAvailable, type DenoDatagramConn, DenoUdpSocket } from '../../src/runtime/deno-udp.ts';
import { setDenoReceiveBuffer } from '../../src/runtime/deno-socket-buffers.ts';
import type { UdpRemote } from '../../src/runtime/types.ts';

type From = { hostname: string; port: number };

function denoError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Datagrams pushed in are received into the buffer the socket gives, as Deno does. */
class FakeConn implements DenoDatagramConn {
  readonly addr = { hostname: '127.0.0.1', port: 4000 };
  readonly sent: Array<{ data: Uint8Array; hostname: string; port: number }> = [];
  readonly receiveBuffers: Uint8Array[] = [];
  sendError: Error | undefined;
  closes = 0;
  private readonly queue: Array<[Uint8Array, From] | Error> = [];
  private waiting: { buffer: Uint8Array; resolve: (got: [Uint8Array, From]) => void; reject: (error: Error) => void } | undefined;

  receive(buffer?: Uint8Array): Promise<[Uint8Array, From]> {
    if (this.closes > 0) return Promise.reject(denoError('BadResource', 'Socket has been closed'));
    return new Promise((resolve, reject) => {
      this.waiting = { buffer: buffer!, resolve, reject };
      this.receiveBuffers.push(buffer!);
      this.deliver();
    });
  }

  async send(data: Uint8Array, to: { transport: 'udp'; hostname: string; port: number }): Promise<number> {
    if (this.sendError) throw this.sendError;
    this.sent.push({ data, hostname: to.hostname, port: to.port });
    return data.length;
  }

  close(): void {
    if (this.closes++ > 0) throw denoError('BadResource', 'Bad resource ID');
    this.waiting?.reject(denoError('Interrupted', 'operation canceled'));
    this.waiting = undefined;
  }

  push(data: Uint8Array | Error, from: From = { hostname: '127.0.0.1', port: 5000 }): void {
    this.queue.push(data instanceof Error ? data : [data, from]);
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiting || this.queue.length === 0) return;
    const { buffer, resolve, reject } = this.waiting;
    this.waiting = undefined;
    const next = this.queue.shift()!;
    if (next instanceof Error) return reject(next);
    const [data, from] = next;
    buffer.set(data);
    resolve([buffer.subarray(0, data.length), from]);
  }
}

function socketOn(conn = new FakeConn()) {
  const socket = new DenoUdpSocket(conn, { address: '127.0.0.1', port: 4000, family: 'IPv4' });
  const got: Array<{ data: Uint8Array; from: UdpRemote }> = [];
  const errors: Error[] = [];
  socket.on('message', (data, from) => got.push({ data, from }));
  socket.on('error', (error) => errors.push(error));
  return { conn, socket, got, errors };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const filled = (length: number, value: number) => new Uint8Array(length).fill(value);

describe('DenoUdpSocket', () => {
  it('hands each datagram over with its sender, and what a listener keeps stays as it came', async () => {
    const { conn, got } = socketOn();
    conn.push(filled(65_507, 1), { hostname: '::ffff:10.0.0.2', port: 7 });
    conn.push(filled(65_507, 2));
    conn.push(filled(100, 3));
    conn.push(filled(100, 4));
    conn.push(new Uint8Array(0));
    await tick();
    expect(got.map(({ data }) => [data.length, data[0]])).toEqual([[65_507, 1], [65_507, 2], [100, 3], [100, 4], [0, undefined]]);
    expect(got.every(({ data }, i) => data.every((byte) => byte === i + 1))).toBe(true);
    expect(got[0]!.from).toEqual({ address: '::ffff:10.0.0.2', port: 7 });
    // A large datagram keeps the buffer it arrived in (the next receive has a fresh one); a small
    // one is copied out into bytes of its own, and its buffer is received into again.
    expect(got[0]!.data.buffer).toBe(conn.receiveBuffers[0]!.buffer);
    expect(conn.receiveBuffers[1]!.buffer).not.toBe(conn.receiveBuffers[0]!.buffer);
    expect(got[2]!.data.buffer.byteLength).toBe(100);
    expect(conn.receiveBuffers[3]).toBe(conn.receiveBuffers[2]);
  });

  it('off removes the latest registration of that very listener, and nothing else', async () => {
    const { conn, socket } = socketOn();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    socket.on('message', a).on('message', b).on('message', a);
    socket.off('message', a).off('message', () => {});
    conn.push(filled(1, 0));
    await tick();
    expect(calls).toEqual(['a', 'b']);
  });

  it('sends the caller’s own bytes (no copy), strings as UTF-8, and names looked up in its family', async () => {
    const { conn, socket } = socketOn();
    const bytes = filled(1000, 9);
    await socket.send(bytes, 9000, '127.0.0.1');
    await socket.send('héllo', 9001, '::1');
    await socket.send('x', 9002, 'localhost');
    expect(conn.sent[0]!.data).toBe(bytes);
    expect(new TextDecoder().decode(conn.sent[1]!.data)).toBe('héllo');
    expect(conn.sent.map(({ hostname, port }) => [hostname, port])).toEqual([['127.0.0.1', 9000], ['::1', 9001], ['127.0.0.1', 9002]]);
  });

  it('rejects a send with the errno name Deno only puts in the message, and a name that resolves to nothing with its code', async () => {
    const { conn, socket } = socketOn();
    conn.sendError = new Error('Message too long (os error 90)');
    await expect(socket.send(filled(70_000, 0), 9000, '127.0.0.1')).rejects.toMatchObject({ code: 'EMSGSIZE' });
    conn.sendError = undefined;
    // ENOTFOUND, or EAI_AGAIN where no DNS server answers.
    await expect(socket.send('x', 9000, 'no-such-host.invalid')).rejects.toHaveProperty('code');
  });

  it('reports a failed receive as an error event and goes on receiving', async () => {
    const { conn, got, errors } = socketOn();
    conn.push(new Error('Connection refused (os error 111)'));
    conn.push(filled(3, 7));
    await tick();
    await tick(); // it waits a turn of the event loop after an error
    expect(errors.map((error) => (error as Error & { code?: string }).code)).toEqual(['ECONNREFUSED']);
    expect(got).toHaveLength(1);
  });

  it('closes once: the close event after the last message, then sends are refused', async () => {
    const { conn, socket, got } = socketOn();
    const events: string[] = [];
    socket.on('message', () => events.push('message'));
    socket.on('close', () => events.push('close'));
    conn.push(filled(1, 1));
    await tick();
    await Promise.all([socket.close(), socket.close()]);
    await socket.close();
    conn.push(filled(1, 2));
    await tick();
    expect(events).toEqual(['message', 'close']);
    expect(conn.closes).toBe(1);
    expect(got).toHaveLength(1);
    await expect(socket.send('x', 9, '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });

  it('without the FFI libc, asking for a larger receive buffer leaves the system default reported', () => {
    const { socket } = socketOn();
    socket.setReceiveBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
    expect(setDenoReceiveBuffer(4000, 'IPv4', 1024)).toBeUndefined();
    if (process.platform === 'linux') expect(socket.receiveBufferBytes()).toBeGreaterThan(0);
  });
});

describe('bindDenoUdp', () => {
  it('binds through Deno.listenDatagram, a name as IPv4, the family taken from the address it got, bind errors with their errno name', async () => {
    const deno = { listenDatagram: (options: { hostname: string; port: number }) => Object.assign(new FakeConn(), { addr: { hostname: options.hostname, port: 4001 } }) };
    const globals = globalThis as { Deno?: unknown };
    globals.Deno = deno;
    try {
      expect(denoDatagramsAvailable()).toBe(true);
      const v6 = await bindDenoUdp({ host: '::', port: 0 });
      expect(v6.address).toEqual({ address: '::', port: 4001, family: 'IPv6' });
      await v6.close();
      const named = await bindDenoUdp({ host: 'localhost', port: 0 });
      expect(named.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
      await named.close();
      deno.listenDatagram = () => {
        throw denoError('AddrInUse', 'Address already in use (os error 98)');
      };
      await expect(bindDenoUdp({ host: '127.0.0.1', port: 4001 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      delete globals.Deno;
    }
    expect(denoDatagramsAvailable()).toBe(false);
  });
});
