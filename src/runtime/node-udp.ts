import dgram from 'node:dgram';
import net from 'node:net';
import { setDenoReceiveBuffer, setDenoSendBuffer, systemDefaultReceiveBuffer } from './deno-socket-buffers.ts';
import { detectRuntime } from './detect.ts';
import type { SocketAddress, UdpBindOptions, UdpSocket, UdpSocketEvents } from './types.ts';

/** A `node:dgram` socket behind the runtime-neutral UdpSocket interface. */
export class NodeUdpSocket implements UdpSocket {
  /** `on('message')` registers a wrapper that translates the sender's address; `off` needs it back. */
  private closing: Promise<void> | undefined;
  /** Deno: what the kernel granted when asked for more (until then the system default). */
  private grantedReceiveBuffer: number | undefined;
  private readonly messageWrappers = new Map<UdpSocketEvents['message'], Array<(msg: Buffer, rinfo: dgram.RemoteInfo) => void>>();

  constructor(
    private readonly socket: dgram.Socket,
    readonly address: SocketAddress,
  ) {
    socket.on('error', () => {});
  }

  send(data: Uint8Array | string, port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // Send errors arrive only in this callback on every runtime.
      this.socket.send(data, port, host, (error) => (error ? reject(error) : resolve()));
    });
  }

  setReceiveBufferSize(bytes: number): void {
    // Deno's node:dgram (2.x) never hands the size to the kernel, but allocates that many bytes
    // for every datagram it then receives: asking it only makes receiving slower. Set through
    // libc instead where that can be done (deno-socket-buffers.ts).
    if (ignoresBufferRequests) {
      this.grantedReceiveBuffer = setDenoReceiveBuffer(this.address.port, this.address.family, bytes) ?? this.grantedReceiveBuffer;
      return;
    }
    this.socket.setRecvBufferSize(bytes);
  }

  receiveBufferBytes(): number | undefined {
    // Deno's getRecvBufferSize reports the size last asked for, not the kernel's: its socket
    // keeps the system default (checked with `ss -m`, skmem rb) unless set through libc.
    if (ignoresBufferRequests) return this.grantedReceiveBuffer ?? systemDefaultReceiveBuffer();
    try {
      return this.socket.getRecvBufferSize();
    } catch {
      return undefined;
    }
  }

  setSendBufferSize(bytes: number): void {
    if (ignoresBufferRequests) setDenoSendBuffer(this.address.port, this.address.family, bytes);
    else this.socket.setSendBufferSize(bytes);
  }

  close(): Promise<void> {
    // One promise for every call: Deno neither throws nor calls back on a second close.
    this.closing ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closing;
  }

  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    if (event === 'message') {
      const message = listener as UdpSocketEvents['message'];
      const wrapper = (msg: Buffer, rinfo: dgram.RemoteInfo) => message(msg, { address: rinfo.address, port: rinfo.port });
      const wrappers = this.messageWrappers.get(message);
      if (wrappers) wrappers.push(wrapper);
      else this.messageWrappers.set(message, [wrapper]);
      this.socket.on('message', wrapper);
    } else {
      this.socket.on(event, listener as (...args: unknown[]) => void);
    }
    return this;
  }

  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    if (event === 'message') {
      const message = listener as UdpSocketEvents['message'];
      const wrappers = this.messageWrappers.get(message);
      const wrapper = wrappers?.pop();
      if (wrappers?.length === 0) this.messageWrappers.delete(message);
      if (wrapper) this.socket.off('message', wrapper);
    } else {
      this.socket.off(event, listener as (...args: unknown[]) => void);
    }
    return this;
  }
}

const ignoresBufferRequests = detectRuntime() === 'deno';

export function bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
  const type = net.isIPv6(options.host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    // Bind explicitly before any send: Bun needs it, and the port is then known up front.
    socket.bind({ address: options.host, port: options.port }, () => {
      socket.off('error', reject);
      const bound = socket.address();
      resolve(
        new NodeUdpSocket(socket, {
          address: bound.address,
          port: bound.port,
          family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4',
        }),
      );
    });
  });
}
