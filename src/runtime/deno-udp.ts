// UDP on Deno through its own `Deno.listenDatagram` rather than its `node:dgram`, which costs
// several times the CPU per datagram: every send concatenates into a fresh buffer and copies it
// again, and every receive allocates and zeroes a 64 KiB buffer whatever arrives (Deno 2.9,
// ext/node/polyfills/internal_binding/udp_wrap.ts). `Deno.listenDatagram` sends the caller's
// bytes as they are and receives into the buffer it is given.
//
// It is an unstable API: Deno defines it only with `--unstable-net` or `"unstable": ["net"]` in
// the deno.json that applies (netchat's own does). `denoDatagramsAvailable()` says whether it is
// there; without it `bindUdp` keeps `node:dgram`. Nothing here touches `Deno` at import time,
// so Node and Bun (and `bun build --compile`) may load this file.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setDenoReceiveBuffer, setDenoSendBuffer, systemDefaultReceiveBuffer } from './deno-socket-buffers.ts';
import { withErrnoCode } from './runtime-errors.ts';
import type { SocketAddress, UdpBindOptions, UdpSocket, UdpSocketEvents } from './types.ts';

/** The part of Deno's `DatagramConn` used here (Deno's types are not in netchat's tsc build). */
export interface DenoDatagramConn {
  readonly addr: { hostname: string; port: number };
  receive(buffer?: Uint8Array): Promise<[Uint8Array, { hostname: string; port: number }]>;
  send(data: Uint8Array, to: { transport: 'udp'; hostname: string; port: number }): Promise<number>;
  close(): void;
}

interface DenoNet {
  listenDatagram?: (options: { transport: 'udp'; hostname: string; port: number }) => DenoDatagramConn;
}

function denoNet(): DenoNet | undefined {
  return (globalThis as { Deno?: DenoNet }).Deno;
}

/** Whether Deno defines `Deno.listenDatagram` here (it needs the unstable `net` feature). */
export function denoDatagramsAvailable(): boolean {
  return typeof denoNet()?.listenDatagram === 'function';
}

/**
 * Room for the largest datagram: 65,507 bytes of payload over IPv4, 65,527 over IPv6. A larger
 * one would not be cut short by the kernel here: it cannot be sent in the first place.
 */
const RECEIVE_BYTES = 65_536;
/**
 * A datagram that fills less than this share of its receive buffer is copied out, so that a
 * small one a listener keeps holds its own bytes, not 64 KiB; a larger one is handed over in
 * the buffer it arrived in, and the next receive gets a fresh buffer.
 */
const COPY_BELOW_BYTES = RECEIVE_BYTES / 4;

type Listeners = { [E in keyof UdpSocketEvents]: Array<UdpSocketEvents[E]> };

export class DenoUdpSocket implements UdpSocket {
  private readonly listeners: Listeners = { message: [], error: [], close: [] };
  private buffer = new Uint8Array(RECEIVE_BYTES);
  private closed = false;
  /** What the kernel granted when asked for more; until then the socket has the system default. */
  private grantedReceiveBuffer: number | undefined;
  private closing: Promise<void> | undefined;
  private receiving: Promise<void>;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly conn: DenoDatagramConn,
    readonly address: SocketAddress,
  ) {
    // Received like node:dgram does: from the bind on, whether or not anyone listens yet.
    this.receiving = this.receiveLoop();
  }

  send(data: Uint8Array | string, port: number, host: string): Promise<void> {
    if (this.closed) return Promise.reject(Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' }));
    const bytes = typeof data === 'string' ? this.encoder.encode(data) : data;
    // Deno sends from these very bytes: no copy, and the caller may reuse them once this resolves.
    const sent = isIP(host) !== 0 ? this.sendTo(bytes, host, port) : this.resolve(host).then((address) => this.sendTo(bytes, address, port));
    return sent.catch((error: unknown) => {
      throw withErrnoCode(error);
    });
  }

  private async sendTo(bytes: Uint8Array, hostname: string, port: number): Promise<void> {
    await this.conn.send(bytes, { transport: 'udp', hostname, port });
  }

  /** A name is looked up in the socket's own family, as node:dgram does (ENOTFOUND if none). */
  private async resolve(host: string): Promise<string> {
    return (await lookup(host, { family: this.address.family === 'IPv6' ? 6 : 4 })).address;
  }

  /** Deno has no option for it: set through libc where that can be done (deno-socket-buffers.ts). */
  setReceiveBufferSize(bytes: number): void {
    if (!this.closed) this.grantedReceiveBuffer = setDenoReceiveBuffer(this.address.port, this.address.family, bytes) ?? this.grantedReceiveBuffer;
  }

  receiveBufferBytes(): number | undefined {
    return this.grantedReceiveBuffer ?? systemDefaultReceiveBuffer();
  }

  setSendBufferSize(bytes: number): void {
    if (!this.closed) setDenoSendBuffer(this.address.port, this.address.family, bytes);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      try {
        this.conn.close();
      } catch {
        // already closed
      }
      await this.receiving;
      this.emit('close');
    })();
    return this.closing;
  }

  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    (this.listeners[event] as Array<UdpSocketEvents[E]>).push(listener);
    return this;
  }

  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    // Like an EventEmitter: the latest registration of that very function goes.
    const list = this.listeners[event] as Array<UdpSocketEvents[E]>;
    const at = list.lastIndexOf(listener);
    if (at !== -1) list.splice(at, 1);
    return this;
  }

  private async receiveLoop(): Promise<void> {
    while (!this.closed) {
      let datagram: Uint8Array;
      let from: { hostname: string; port: number };
      try {
        [datagram, from] = await this.conn.receive(this.buffer);
      } catch (error) {
        if (this.closed) return;
        const name = (error as Error | undefined)?.name;
        if (name === 'BadResource' || name === 'Interrupted') return; // closed under us
        this.emit('error', withErrnoCode(error) as Error);
        // Let the event loop turn before trying again: an error that persists must not spin.
        await new Promise((resolve) => setTimeout(resolve, 0));
        continue;
      }
      // The listeners may keep what they are given (node:dgram hands out fresh buffers), so
      // the buffer handed out is never received into again.
      let data: Uint8Array;
      if (datagram.length < COPY_BELOW_BYTES) data = datagram.slice();
      else {
        data = datagram;
        this.buffer = new Uint8Array(RECEIVE_BYTES);
      }
      this.emit('message', data, { address: from.hostname, port: from.port });
    }
  }

  private emit<E extends keyof UdpSocketEvents>(event: E, ...args: Parameters<UdpSocketEvents[E]>): void {
    for (const listener of [...this.listeners[event]] as Array<(...a: Parameters<UdpSocketEvents[E]>) => void>) {
      try {
        listener(...args);
      } catch (error) {
        // As from an EventEmitter: the listener's error is uncaught, and receiving goes on.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

export async function bindDenoUdp(options: UdpBindOptions): Promise<UdpSocket> {
  // A name binds an IPv4 socket, as in node-udp.ts (Deno would take the first address of any family).
  const host = isIP(options.host) !== 0 ? options.host : (await lookup(options.host, { family: 4 })).address;
  let conn: DenoDatagramConn;
  try {
    conn = denoNet()!.listenDatagram!({ transport: 'udp', hostname: host, port: options.port });
  } catch (error) {
    throw withErrnoCode(error);
  }
  const { hostname, port } = conn.addr;
  return new DenoUdpSocket(conn, { address: hostname, port, family: hostname.includes(':') ? 'IPv6' : 'IPv4' });
}
