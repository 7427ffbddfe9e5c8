// How a transfer is cut into chunks, how big its datagrams are, and how many of them a socket
// receive buffer holds.
import { MAX_U32, chunkBytesFor } from '../../protocol/udp-transfer/transfer-datagram.ts';
import type { UdpTransferLimits } from './transfer-limits.ts';

/** Chunk indices and packet numbers are 32-bit; half the packet space is kept for retransmissions. */
export const MAX_CHUNKS = 2 ** 31;

export class ChunkLayout {
  readonly count: number;

  constructor(
    readonly size: number,
    readonly offset: number,
    readonly chunkBytes: number,
  ) {
    this.count = Math.ceil((size - offset) / chunkBytes);
  }

  /** Payload bytes of chunk `index` (the last one may be short). */
  lengthOf(index: number): number {
    return index === this.count - 1 ? this.size - this.offset - index * this.chunkBytes : this.chunkBytes;
  }

  /** Chunks that fit in `bytes`, at least 1. */
  chunksIn(bytes: number): number {
    return Math.max(1, Math.floor(bytes / this.chunkBytes));
  }
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: the peers that get 64 KiB datagrams. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^::ffff:/, '');
  return bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The chunk size toward `peerAddress`: the limit for its kind, lowered by the receiver's wish. */
export function chunkBytesToward(
  peerAddress: string,
  requestedDatagramBytes: number | undefined,
  limits: Pick<UdpTransferLimits, 'maxDatagramBytesLoopback' | 'maxDatagramBytesRemote'>,
): number {
  const cap = isLoopbackAddress(peerAddress) ? limits.maxDatagramBytesLoopback : limits.maxDatagramBytesRemote;
  return chunkBytesFor(Math.min(cap, requestedDatagramBytes ?? cap));
}

/**
 * Datagrams of `datagramBytes` that a socket whose receive buffer is `bufferBytes` holds (the
 * value the kernel reports, which on Linux is twice the one asked for). Each queued datagram
 * costs its buffer's true size, measured on Linux loopback: 2,304 bytes for up to ~1.4 KB,
 * ~17 KiB up to 16 KiB, then the size plus ~1.1 KiB. Only 70 % of the buffer is counted:
 * Linux gives the memory of datagrams already read back to the socket in steps of a quarter
 * of its buffer, so up to that much still counts as full after the reader took it.
 */
export function datagramsBufferHolds(bufferBytes: number, datagramBytes: number): number {
  const udpBytes = datagramBytes + 8 + 20;
  const trueSize = udpBytes <= 1436 ? 2304 : udpBytes <= 16 * 1024 ? 17_920 : udpBytes + 1536;
  return Math.max(1, Math.floor((bufferBytes * USABLE_BUFFER_SHARE) / trueSize));
}

const USABLE_BUFFER_SHARE = 0.7;

/** Whether a transfer of this layout fits the 32-bit chunk and packet numbering. */
export function layoutFits(layout: ChunkLayout): boolean {
  return layout.count <= MAX_CHUNKS && layout.count <= MAX_U32;
}
