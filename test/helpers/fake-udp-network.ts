// UDP in memory: sockets bound on one FakeUdpNetwork reach each other by port, a microtask
// later, whatever the host; a datagram to a port nobody holds is gone without a word, as on a
// real network. `drop` lets a test lose datagrams on purpose.
import type { SocketAddress, UdpBindOptions, UdpRemote, UdpSocket, UdpSocketEvents } from '../../src/runtime/types.ts';

const encoder = new TextEncoder();

export class FakeUdpSocket implements UdpSocket {
  receiveBufferSize = 0;
  sendBufferSize = 0;
  private listeners: { [E in keyof UdpSocketEvents]?: Array<UdpSocketEvents[E]> } = {};
  private open = true;

  constructor(
    private readonly network: FakeUdpNetwork,
    readonly address: SocketAddress,
  ) {}

  send(data: Uint8Array | string, port: number, host: string): Promise<void> {
    if (!this.open) return Promise.reject(Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' }));
    // A copy, as the kernel makes one.
    const bytes = typeof data === 'string' ? encoder.encode(data) : data.slice();
    this.network.carry(bytes, { address: this.address.address, port: this.address.port }, { address: host, port });
    return Promise.resolve();
  }

  setReceiveBufferSize(bytes: number): void {
    this.receiveBufferSize = bytes;
  }

  setSendBufferSize(bytes: number): void {
    this.sendBufferSize = bytes;
  }

  close(): Promise<void> {
    if (this.open) {
      this.open = false;
      this.network.release(this.address.port);
      queueMicrotask(() => this.emit('close'));
    }
    return Promise.resolve();
  }

  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    ((this.listeners[event] ??= []) as Array<UdpSocketEvents[E]>).push(listener);
    return this;
  }

  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    const list = this.listeners[event] as Array<UdpSocketEvents[E]> | undefined;
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
    return this;
  }

  /** A datagram arrives (called by the network). */
  receive(data: Uint8Array, from: UdpRemote): void {
    if (this.open) this.emit('message', data, from);
  }

  private emit<E extends keyof UdpSocketEvents>(event: E, ...args: Parameters<UdpSocketEvents[E]>): void {
    for (const listener of [...(this.listeners[event] ?? [])]) (listener as (...a: unknown[]) => void)(...args);
  }
}

export class FakeUdpNetwork {
  /** Return true to lose a datagram. */
  drop: (data: Uint8Array, from: UdpRemote, to: UdpRemote) => boolean = () => false;
  private readonly sockets = new Map<number, FakeUdpSocket>();
  private nextPort = 50000;

  bindUdp = async (options: UdpBindOptions): Promise<UdpSocket> => {
    const port = options.port || this.nextPort++;
    if (this.sockets.has(port)) throw Object.assign(new Error(`bind EADDRINUSE ${options.host}:${port}`), { code: 'EADDRINUSE' });
    const family = options.host.includes(':') ? 'IPv6' : 'IPv4';
    const socket = new FakeUdpSocket(this, { address: options.host, port, family });
    this.sockets.set(port, socket);
    return socket;
  };

  carry(data: Uint8Array, from: UdpRemote, to: UdpRemote): void {
    if (this.drop(data, from, to)) return;
    queueMicrotask(() => this.sockets.get(to.port)?.receive(data, from));
  }

  release(port: number): void {
    this.sockets.delete(port);
  }
}
