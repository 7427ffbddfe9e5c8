// The receiving side of one UDP transfer as a pure state machine: no sockets, no clock, no
// files. The driver hands it datagrams, takes the chunks that are ready to append (always the
// next ones in file order), tells it when they are written, and calls `onTimer` at
// `nextDeadline()`; the machine answers with control lines in its outbox.
//
// Chunks that arrive early wait in a reorder buffer; the window it advertises (counted from the
// contiguous prefix) is never more than its socket buffer holds, nor more than its memory
// limit leaves after the chunks still waiting to be written, so the sender never has more in
// flight than the receiver can hold. Feedback goes out on a timer, never per datagram: the
// contiguous prefix, the holes after it as ranges, the window, and the newest packet seen. Only
// when the prefix has advanced by half the window since the last report does it go out at once
// (a window update, as in TCP), so a fast sender is not held up waiting for the timer.
import { chunkRangeTextLength, type ChunkRange } from '../../protocol/udp-transfer/chunk-ranges.ts';
import {
  type AckMessage,
  type BeginMessage,
  type ControlMessage,
  MAX_CONTROL_LINE_BYTES,
  formatControlLine,
} from '../../protocol/udp-transfer/control-lines.ts';
import { parseDatagram } from '../../protocol/udp-transfer/transfer-datagram.ts';
import { TransferError, type TransferErrorCode } from '../../protocol/udp-transfer/transfer-errors.ts';
import { ChunkLayout } from './chunk-layout.ts';

/** With nothing new to say, the receiver still reports this often, so the sender knows it is there. */
export const IDLE_FEEDBACK_MS = 250;
/** Room left in a feedback line for ` upto=<n>` and ` missing=`. */
const RESERVED_LINE_BYTES = 32;

export interface ReceiverOptions {
  /** The most chunks the sender may have beyond the contiguous prefix: what the socket buffer holds. */
  windowChunks: number;
  /** The most chunks held in memory: early ones, unwritten ones, and those the window lets come. */
  memoryChunks: number;
  feedbackIntervalMs: number;
  abandonTimeoutMs: number;
}

export type ReceiverState = 'receiving' | 'verifying' | 'done' | 'failed';

export type DatagramVerdict = 'accepted' | 'duplicate' | 'beyond-window' | 'foreign' | 'malformed';

export interface ReceiverStats {
  /** Datagrams of this transfer, duplicates included. */
  received: number;
  duplicates: number;
  beyondWindow: number;
  foreign: number;
  malformed: number;
}

const NOTHING: readonly ControlMessage[] = [];

const VERDICTS = {
  duplicates: 'duplicate',
  beyondWindow: 'beyond-window',
  foreign: 'foreign',
  malformed: 'malformed',
} as const satisfies Record<string, DatagramVerdict>;

export class TransferReceiver {
  readonly layout: ChunkLayout;
  state: ReceiverState = 'receiving';
  error: TransferError | undefined;
  /** Every chunk before this one was received (and handed out by takeReady). */
  next = 0;
  /** Chunks written by the driver. */
  written = 0;
  readonly stats: ReceiverStats = { received: 0, duplicates: 0, beyondWindow: 0, foreign: 0, malformed: 0 };
  private readonly mask: number;
  private readonly slots: Array<Uint8Array | undefined>;
  private readonly windowChunks: number;
  private buffered = 0;
  private ready: Uint8Array[] = [];
  /** Chunks handed out and not yet written. */
  private unwritten = 0;
  /** The sender may send anything before this; it never moves back. */
  private windowEdge: number;
  private high = 0;
  private largestPacket = -1;
  private largestPacketAt = 0;
  private changed = false;
  /** `next` as the last feedback told it. */
  private reportedNext = 0;
  private lastFeedbackAt: number;
  private nextFeedbackAt: number;
  private lastActivityAt: number;
  private outbox: ControlMessage[] = [];

  constructor(
    readonly begin: BeginMessage,
    private readonly options: ReceiverOptions,
    now: number,
  ) {
    this.layout = new ChunkLayout(begin.size, begin.offset, begin.chunkBytes);
    this.windowChunks = Math.max(1, options.windowChunks);
    const capacity = 2 ** Math.ceil(Math.log2(this.windowChunks + 1));
    this.mask = capacity - 1;
    this.slots = new Array(capacity);
    this.windowEdge = Math.min(begin.window, this.windowChunks, options.memoryChunks);
    this.lastFeedbackAt = now;
    this.nextFeedbackAt = now + options.feedbackIntervalMs;
    this.lastActivityAt = now;
    if (this.layout.count === 0) this.state = 'verifying';
  }

  get transferId(): number {
    return this.begin.transferId;
  }

  /** All chunks are written: the driver must now call `verify` with the hash of the whole file. */
  get awaitingDigest(): boolean {
    return this.state === 'verifying';
  }

  drainOutbox(): readonly ControlMessage[] {
    if (this.outbox.length === 0) return NOTHING;
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** One datagram from the socket. Anything that is not a valid, wanted chunk is counted and dropped. */
  onDatagram(bytes: Uint8Array, now: number): DatagramVerdict {
    const datagram = parseDatagram(bytes);
    if (!datagram.ok) return this.count('malformed');
    if (datagram.transferId !== this.begin.transferId) return this.count('foreign');
    const chunk = datagram.chunkIndex;
    if (chunk >= this.layout.count || datagram.payload.length !== this.layout.lengthOf(chunk)) return this.count('malformed');
    if (this.state !== 'receiving' && this.state !== 'verifying') return 'duplicate';
    this.stats.received++;
    this.lastActivityAt = Math.max(this.lastActivityAt, now);
    this.changed = true;
    if (datagram.packetNumber > this.largestPacket) {
      this.largestPacket = datagram.packetNumber;
      this.largestPacketAt = now;
    }
    if (chunk < this.next) return this.count('duplicates');
    if (chunk >= this.windowEdge) return this.count('beyondWindow');
    if (this.slots[chunk & this.mask] !== undefined) return this.count('duplicates');
    if (chunk >= this.high) this.high = chunk + 1;
    if (chunk !== this.next) {
      this.slots[chunk & this.mask] = datagram.payload;
      this.buffered++;
      return 'accepted';
    }
    this.handOut(datagram.payload);
    for (let slot = this.next & this.mask; this.slots[slot] !== undefined; slot = this.next & this.mask) {
      const payload = this.slots[slot]!;
      this.slots[slot] = undefined;
      this.buffered--;
      this.handOut(payload);
    }
    if (this.next - this.reportedNext >= Math.max(1, this.windowChunks >> 1) && this.state === 'receiving') {
      this.outbox.push(this.feedback(now));
    }
    return 'accepted';
  }

  private count(what: Exclude<keyof ReceiverStats, 'received'>): DatagramVerdict {
    this.stats[what]++;
    return VERDICTS[what];
  }

  private handOut(payload: Uint8Array): void {
    this.ready.push(payload);
    this.next++;
    this.unwritten++;
  }

  /** Control lines are waiting in the outbox. */
  get hasOutgoing(): boolean {
    return this.outbox.length > 0;
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** The chunks to append now, in file order (each exactly once). */
  takeReady(): Uint8Array[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  /** The driver appended `chunks` more of what takeReady gave it. */
  onWritten(chunks: number, now: number): void {
    this.unwritten -= chunks;
    this.written += chunks;
    this.changed = true;
    this.lastActivityAt = Math.max(this.lastActivityAt, now);
    if (this.written === this.layout.count && this.state === 'receiving') this.state = 'verifying';
  }

  /** The SHA-256 of the whole file as written. False (and UDP_ERROR HASH_MISMATCH) when it is wrong. */
  verify(sha256: string): boolean {
    if (this.state !== 'verifying') return false;
    if (sha256 === this.begin.sha256) return true;
    this.fail('HASH_MISMATCH', `received bytes hash to ${sha256}, expected ${this.begin.sha256}`);
    return false;
  }

  /** The file is in place under its real name: tell the sender. */
  stored(): void {
    if (this.state !== 'verifying') return;
    this.outbox.push({ type: 'done', transferId: this.begin.transferId, bytes: this.begin.size, sha256: this.begin.sha256 });
    this.state = 'done';
  }

  /** A control line from the sender (any transfer id; others are ignored). */
  onControl(message: ControlMessage): void {
    if (message.transferId !== this.begin.transferId || this.state === 'done' || this.state === 'failed') return;
    if (message.type === 'error') this.fail(message.code as TransferErrorCode, message.text, true);
    else if (message.type !== 'begin') this.fail('PROTOCOL_ERROR', `the sender sent UDP_${message.type.toUpperCase()}`);
  }

  nextDeadline(): number {
    if (this.state === 'done' || this.state === 'failed') return Number.POSITIVE_INFINITY;
    // Waiting for its own writes or for the hash, the receiver is not waiting for the sender.
    if (this.state !== 'receiving' || this.unwritten > 0) return this.nextFeedbackAt;
    return Math.min(this.nextFeedbackAt, this.lastActivityAt + this.options.abandonTimeoutMs);
  }

  onTimer(now: number): void {
    if (this.state === 'done' || this.state === 'failed') return;
    if (this.state === 'receiving' && this.unwritten === 0 && now >= this.lastActivityAt + this.options.abandonTimeoutMs) {
      this.fail('DATA_TIMEOUT', `no datagram for ${this.options.abandonTimeoutMs} ms`);
      return;
    }
    if (now < this.nextFeedbackAt) return;
    // A window update went out meanwhile: the next report is due an interval after it.
    const due = this.lastFeedbackAt + this.options.feedbackIntervalMs;
    if (now < due) {
      this.nextFeedbackAt = due;
      return;
    }
    this.nextFeedbackAt = now + this.options.feedbackIntervalMs;
    if (this.changed || now - this.lastFeedbackAt >= Math.min(IDLE_FEEDBACK_MS, this.options.abandonTimeoutMs / 4)) {
      this.outbox.push(this.feedback(now));
    }
  }

  private feedback(now: number): AckMessage {
    // Early chunks lie inside the window already; chunks still being written lie before it.
    const free = Math.max(0, Math.min(this.windowChunks, this.options.memoryChunks - this.unwritten));
    this.windowEdge = Math.max(this.windowEdge, this.next + free);
    this.changed = false;
    this.lastFeedbackAt = now;
    this.reportedNext = this.next;
    const ack: AckMessage = {
      type: 'ack',
      transferId: this.begin.transferId,
      next: this.next,
      high: Math.max(this.high, this.next),
      listedUpTo: Math.max(this.high, this.next),
      window: this.windowEdge - this.next,
      received: this.stats.received,
      largestPacket:
        this.largestPacket < 0
          ? undefined
          : { packetNumber: this.largestPacket, delayUs: Math.max(0, Math.round((now - this.largestPacketAt) * 1000)) },
      missing: [],
    };
    this.listHoles(ack, MAX_CONTROL_LINE_BYTES - formatControlLine(ack).length - RESERVED_LINE_BYTES);
    return ack;
  }

  /** The holes in [next, high) as ranges, as many as fit in `budget` characters; `listedUpTo` says where the list stops. */
  private listHoles(ack: AckMessage, budget: number): void {
    let used = 0;
    let chunk = this.next;
    while (chunk < ack.high) {
      if (this.slots[chunk & this.mask] !== undefined) {
        chunk++;
        continue;
      }
      const start = chunk;
      while (chunk < ack.high && this.slots[chunk & this.mask] === undefined) chunk++;
      const hole: ChunkRange = { start, end: chunk };
      used += chunkRangeTextLength(ack.next, hole, ack.missing.length === 0);
      if (used > budget) {
        ack.listedUpTo = start;
        return;
      }
      ack.missing.push(hole);
    }
  }

  fail(code: TransferErrorCode, text: string, fromPeer = false): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.error = new TransferError(code, text, fromPeer);
    this.ready = [];
    for (let i = 0; i < this.slots.length; i++) this.slots[i] = undefined;
    if (!fromPeer) this.outbox.push({ type: 'error', transferId: this.begin.transferId, code, text });
  }
}
