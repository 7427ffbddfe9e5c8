// A UdpSocket that records what it sends and lets the test deliver datagrams "from" any
// address, including ones that never sent anything: the way to test a spoofed source, which
// loopback cannot produce. Sends settle at once, in order.
import type { SocketAddress, UdpRemote, UdpSocket, UdpSocketEvents } from '../../../src/runtime/types.ts';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export interface SentDatagram {
  to: UdpRemote;
  data: Uint8Array;
}

export class FakeUdpSocket implements UdpSocket {
  readonly address: SocketAddress = { address: '127.0.0.1', port: 65432, family: 'IPv4' };
  readonly sent: SentDatagram[] = [];
  closed = false;
  /** Make the next sends fail with this error code. */
  failSends: string | undefined;
  /** Codes the next sends fail with, one each, before sending works again. */
  readonly failNext: string[] = [];
  private messageListeners: Array<UdpSocketEvents['message']> = [];

  send(data: Uint8Array | string, port: number, host: string): Promise<void> {
    const failure = this.failNext.shift() ?? this.failSends;
    if (failure) return Promise.reject(Object.assign(new Error(failure), { code: failure }));
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    this.sent.push({ to: { address: host, port }, data: bytes });
    return Promise.resolve();
  }

  setReceiveBufferSize(): void {}
  setSendBufferSize(): void {}

  async close(): Promise<void> {
    this.closed = true;
  }

  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    if (event === 'message') this.messageListeners.push(listener as UdpSocketEvents['message']);
    return this;
  }

  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this {
    if (event === 'message') this.messageListeners = this.messageListeners.filter((l) => l !== listener);
    return this;
  }

  /** A datagram arrives from `from` (a string is UTF-8 encoded). */
  deliver(data: string | Uint8Array, from: UdpRemote): void {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    for (const listener of this.messageListeners) listener(bytes, from);
  }

  /** Texts sent to `to`, in order. */
  textsTo(to: UdpRemote): string[] {
    return this.sent.filter((d) => d.to.address === to.address && d.to.port === to.port).map((d) => decoder.decode(d.data));
  }

  /** Bytes sent to `to`. */
  bytesTo(to: UdpRemote): number {
    return this.sent.filter((d) => d.to.address === to.address && d.to.port === to.port).reduce((sum, d) => sum + d.data.length, 0);
  }
}

/** Deterministic join codes: the n-th registration gets n repeated (a code of one symbol). */
export function countingRandomBytes(): (count: number) => Uint8Array {
  let n = 0;
  return (count) => new Uint8Array(count).fill(n++);
}
