// A real UdpSocket whose sends are lost (or doubled) at random from a seed: loss on real
// sockets, reproducible, without root. Dropped sends resolve as if sent, as UDP does.
import type { UdpSocket, UdpSocketEvents } from '../../src/runtime/types.ts';
import { type Random, seededRandom } from './udp-seeded-random.ts';

export interface LossySocketOptions {
  seed: number;
  lossRate: number;
  duplicateRate?: number;
  /** Drop by rule too: `sendIndex` counts every send from 0. */
  dropRule?: (datagram: Uint8Array, sendIndex: number) => boolean;
}

export interface LossySocket extends UdpSocket {
  readonly sends: number;
  readonly drops: number;
}

export function lossySocket(inner: UdpSocket, options: LossySocketOptions): LossySocket {
  const random: Random = seededRandom(options.seed);
  let sends = 0;
  let drops = 0;
  return {
    get address() {
      return inner.address;
    },
    get sends() {
      return sends;
    },
    get drops() {
      return drops;
    },
    async send(data, port, host) {
      const index = sends++;
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      if (random() < options.lossRate || options.dropRule?.(bytes, index)) {
        drops++;
        return;
      }
      await inner.send(data, port, host);
      if (options.duplicateRate && random() < options.duplicateRate) await inner.send(data, port, host);
    },
    setReceiveBufferSize: (bytes) => inner.setReceiveBufferSize(bytes),
    setSendBufferSize: (bytes) => inner.setSendBufferSize(bytes),
    close: () => inner.close(),
    on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]) {
      inner.on(event, listener);
      return this;
    },
    off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]) {
      inner.off(event, listener);
      return this;
    },
  };
}
