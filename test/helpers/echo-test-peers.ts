// Raw peers for the echo tests: a TCP client that keeps every byte it gets, and a UDP socket
// that keeps every datagram. They wait on events, never on sleeps.
import dgram from 'node:dgram';
import net from 'node:net';
import type { UdpRemote, UdpSocket, UdpSocketEvents } from '../../src/runtime/types.ts';
import { Waiters } from './waiters.ts';

export class RawTcpClient {
  private chunks: Buffer[] = [];
  received = 0;
  ended = false;
  closed = false;
  private readonly waiters = new Waiters();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.waiters.poke();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiters.poke();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.poke();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, options: { allowHalfOpen?: boolean; read?: boolean } = {}): Promise<RawTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
      if (options.read === false) socket.pause();
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawTcpClient(socket));
      });
    });
  }

  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  waitForBytes(count: number, timeoutMs?: number): Promise<void> {
    return this.waiters.until(() => this.received >= count, () => `${count} bytes, got ${this.received}: ${this.text().slice(0, 200)}`, timeoutMs);
  }

  waitForText(pattern: RegExp, timeoutMs?: number): Promise<void> {
    return this.waiters.until(() => pattern.test(this.text()), () => `${pattern}, got ${JSON.stringify(this.text().slice(0, 200))}`, timeoutMs);
  }

  /** The server's FIN (or a reset): it closed its side. */
  waitForEnd(timeoutMs?: number): Promise<void> {
    return this.waiters.until(() => this.ended || this.closed, () => 'the server to close', timeoutMs);
  }

  write(data: string | Uint8Array): boolean {
    return this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class RawUdpPeer {
  readonly datagrams: Buffer[] = [];
  private readonly waiters = new Waiters();

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (message) => {
      this.datagrams.push(message);
      this.waiters.poke();
    });
  }

  static async bind(): Promise<RawUdpPeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new RawUdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  }

  waitForDatagrams(count: number, timeoutMs?: number): Promise<void> {
    return this.waiters.until(() => this.datagrams.length >= count, () => `${count} datagrams, got ${this.datagrams.length}`, timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A UdpSocket that sends nothing: `send` calls `onSend` and returns its promise (one that never
 * settles keeps the datagram "in flight"); `deliver` hands the owner a datagram as if received.
 */
export function scriptedUdpSocket(onSend: (data: Uint8Array, port: number) => Promise<void>): {
  socket: UdpSocket;
  deliver: (data: Uint8Array, from: UdpRemote) => void;
} {
  let listener: UdpSocketEvents['message'] = () => {};
  const socket: UdpSocket = {
    address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
    send: (data, port) => onSend(data as Uint8Array, port),
    setReceiveBufferSize: () => {},
    setSendBufferSize: () => {},
    close: async () => {},
    on(event, handler) {
      if (event === 'message') listener = handler as UdpSocketEvents['message'];
      return this;
    },
    off() {
      return this;
    },
  };
  return { socket, deliver: (data, from) => listener(data, from) };
}
