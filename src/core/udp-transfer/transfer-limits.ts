// Every limit of UDP file transfers in one typed object with documented defaults, merged with
// overrides and validated once, then passed down (docs/PROTOCOL.md, "UDP file transfer").
import { MAX_UDP_PAYLOAD_BYTES } from '../../protocol/udp-transfer/transfer-datagram.ts';
import { MIN_DATAGRAM_BYTES } from '../../protocol/udp-transfer/transfer-request.ts';
import { LimitError, mergeLimits } from '../shared/limit-rules.ts';

export interface UdpTransferLimits {
  /** Sender: transfers running at once; one more is refused with TOO_MANY_TRANSFERS. */
  maxConcurrentTransfers: number;
  /**
   * Bytes of one transfer held in memory on either side: the receiver's reorder buffer and
   * unwritten chunks, the sender's unacknowledged chunks. The window never exceeds it.
   */
  maxWindowBytes: number;
  /** Largest datagram toward a loopback peer (the loopback MTU is 64 KiB). */
  maxDatagramBytesLoopback: number;
  /** Largest datagram toward any other peer: no IP fragmentation on a real network. */
  maxDatagramBytesRemote: number;
  /** Receiver: how often it reports what it holds and what is missing. */
  feedbackIntervalMs: number;
  /** Sender: no feedback, receiver: no datagram, for this long ends the transfer. */
  abandonTimeoutMs: number;
  /** Sender: feedback still says nothing arrived this long after the start: UNREACHABLE. */
  unreachableTimeoutMs: number;
  /**
   * Sender: bytes of chunks sent before the receiver's first feedback (at least one chunk;
   * announced in UDP_BEGIN as chunks). The default fits the receive buffer Linux gives a socket
   * that asks for nothing (208 KiB), so the first burst never overflows it.
   */
  initialWindowBytes: number;
  /** Receiver: socket receive buffer to ask the kernel for (0 leaves the system default). */
  receiveBufferBytes: number;
}

export const DEFAULT_UDP_TRANSFER_LIMITS: Readonly<UdpTransferLimits> = Object.freeze({
  maxConcurrentTransfers: 16,
  maxWindowBytes: 16 * 1024 * 1024,
  maxDatagramBytesLoopback: MAX_UDP_PAYLOAD_BYTES,
  maxDatagramBytesRemote: 1400,
  feedbackIntervalMs: 5,
  abandonTimeoutMs: 5000,
  unreachableTimeoutMs: 3000,
  initialWindowBytes: 128 * 1024,
  receiveBufferBytes: 4 * 1024 * 1024,
});

const MINIMUMS: Record<keyof UdpTransferLimits, number> = {
  maxConcurrentTransfers: 1,
  maxWindowBytes: 64 * 1024,
  maxDatagramBytesLoopback: MIN_DATAGRAM_BYTES,
  maxDatagramBytesRemote: MIN_DATAGRAM_BYTES,
  feedbackIntervalMs: 1,
  abandonTimeoutMs: 100,
  unreachableTimeoutMs: 100,
  initialWindowBytes: 1,
  receiveBufferBytes: 0,
};

/** The defaults with `overrides` spread over them, checked once. Throws LimitError naming the option. */
export function resolveUdpTransferLimits(overrides: Partial<UdpTransferLimits> = {}): UdpTransferLimits {
  const limits = mergeLimits(DEFAULT_UDP_TRANSFER_LIMITS, overrides, MINIMUMS, { wholeNumbers: true });
  for (const option of ['maxDatagramBytesLoopback', 'maxDatagramBytesRemote'] as const) {
    if (limits[option] > MAX_UDP_PAYLOAD_BYTES) {
      throw new LimitError(option, `${option} must be ≤ ${MAX_UDP_PAYLOAD_BYTES} (the largest UDP payload), got ${limits[option]}`);
    }
  }
  return limits;
}
