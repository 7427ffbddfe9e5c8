// Runs a TransferSender against real things: reads the file ahead into memory (never more than
// the window holds), sends datagrams on a UdpSocket to the control channel's peer, feeds the
// machine the receiver's control lines and its timer.
//
// Datagrams go only to the IP address of the control channel's peer, at the port its request
// named: never to an address learned from a datagram.
import { type ControlMessage, formatControlLine, isControlLine, parseControlLine } from '../../protocol/udp-transfer/control-lines.ts';
import { DATAGRAM_HEADER_BYTES, writeDatagramHeader } from '../../protocol/udp-transfer/transfer-datagram.ts';
import { TransferError } from '../../protocol/udp-transfer/transfer-errors.ts';
import type { Aead, UdpSocket } from '../../runtime/types.ts';
import { keyToHex, sealDatagram } from './datagram-seal.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import type { ByteSource, ControlChannel } from './transfer-io.ts';
import type { UdpTransferLimits } from './transfer-limits.ts';
import { TransferSender } from './transfer-sender.ts';

/** Sends handed to the socket and not yet completed; past this the driver waits for one to finish. */
const MAX_PENDING_SENDS = 64;
/** File bytes read at once (rounded to whole chunks). */
const READ_BLOCK_BYTES = 1024 * 1024;
/** Send failures in a row that end the transfer (a single one may be a full buffer). */
const MAX_SEND_FAILURES = 50;

export interface SendTransferOptions {
  socket: UdpSocket;
  clock: Clock;
  control: ControlChannel;
  /** The file from `offset` on. */
  source: ByteSource;
  transferId: number;
  /** The receiver's UDP port (from its request). */
  port: number;
  size: number;
  offset: number;
  chunkBytes: number;
  sha256: string;
  limits: UdpTransferLimits;
  onProgress?: (acknowledgedBytes: number) => void;
  /** Seal every datagram with this key (sent in UDP_BEGIN, so only over TLS). */
  seal?: { key: Uint8Array; aead: Aead };
}

export interface SendReport {
  transferId: number;
  bytes: number;
  chunkBytes: number;
  datagramsSent: number;
  retransmissions: number;
  chunksLost: number;
  windowReductions: number;
  durationMs: number;
}

export interface OutgoingTransfer {
  readonly transferId: number;
  /** Resolves when the receiver confirmed the file (UDP_DONE); rejects with a TransferError. */
  readonly done: Promise<SendReport>;
  cancel(reason?: string): void;
}

export function startSend(options: SendTransferOptions): OutgoingTransfer {
  return new SendDriver(options);
}

class SendDriver implements OutgoingTransfer {
  readonly done: Promise<SendReport>;
  readonly transferId: number;
  private readonly machine: TransferSender;
  private readonly chunks = new Map<number, Uint8Array>();
  /** Blocks read from the source, oldest first, with the chunk index each one ends before. */
  private readonly blocks: Array<{ endChunk: number; block: Uint8Array }> = [];
  private loadedBelow = 0;
  private releasedBelow = 0;
  private loading = false;
  private pendingSends = 0;
  /** Datagram buffers whose send completed, for reuse: no allocation per datagram. */
  private readonly freeBuffers: Uint8Array[] = [];
  private sendFailures = 0;
  private pumping = false;
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private finished = false;
  private readonly startedAt: number;
  private readonly stopListening: Array<() => void> = [];
  private settle!: { resolve: (report: SendReport) => void; reject: (error: TransferError) => void };

  constructor(private readonly options: SendTransferOptions) {
    this.transferId = options.transferId;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.startedAt = options.clock.now();
    this.machine = new TransferSender(
      {
        transferId: options.transferId,
        size: options.size,
        offset: options.offset,
        chunkBytes: options.chunkBytes,
        sha256: options.sha256,
        ...(options.seal && { key: keyToHex(options.seal.key) }),
        initialWindowChunks: Math.max(1, Math.floor(options.limits.initialWindowBytes / options.chunkBytes)),
        maxWindowChunks: Math.max(1, Math.floor(options.limits.maxWindowBytes / options.chunkBytes)),
        feedbackIntervalMs: options.limits.feedbackIntervalMs,
        abandonTimeoutMs: options.limits.abandonTimeoutMs,
        unreachableTimeoutMs: options.limits.unreachableTimeoutMs,
      },
      this.startedAt,
    );
    this.stopListening.push(
      options.control.onLine((line) => this.onLine(line)),
      options.control.onClose(() => {
        this.machine.fail('CANCELLED', 'the control connection closed', true);
        this.afterEvent();
      }),
    );
    this.flushOutbox();
    this.load();
    this.pump();
  }

  cancel(reason = 'cancelled'): void {
    this.machine.fail('CANCELLED', reason);
    this.afterEvent();
  }

  private onLine(line: string): void {
    if (!isControlLine(line)) return;
    const parsed = parseControlLine(line);
    if (!parsed.ok || parsed.message.transferId !== this.transferId) return;
    this.machine.onControl(parsed.message, this.options.clock.now());
    this.pump();
  }

  /** Chunks are read ahead up to what the window could ever let out. */
  private wantsMoreChunks(): boolean {
    const { count, chunkBytes } = this.machine.layout;
    const maxAhead = Math.max(1, Math.floor(this.options.limits.maxWindowBytes / chunkBytes));
    return !this.finished && this.loadedBelow < count && this.loadedBelow < this.machine.ackedBelow + maxAhead;
  }

  private async load(): Promise<void> {
    const { count, chunkBytes } = this.machine.layout;
    if (this.loading || !this.wantsMoreChunks()) return;
    this.loading = true;
    try {
      while (this.wantsMoreChunks()) {
        const wanted = Math.min(count - this.loadedBelow, Math.max(1, Math.floor(READ_BLOCK_BYTES / chunkBytes)));
        const expected = (wanted - 1) * chunkBytes + this.machine.layout.lengthOf(this.loadedBelow + wanted - 1);
        const block = await this.options.source.read(expected);
        if (block.length !== expected) {
          this.machine.fail('READ_FAILED', `the file ended ${expected - block.length} bytes early: it changed during the transfer`);
          break;
        }
        for (let i = 0; i < wanted; i++) this.chunks.set(this.loadedBelow + i, block.subarray(i * chunkBytes, Math.min(block.length, (i + 1) * chunkBytes)));
        this.loadedBelow += wanted;
        this.blocks.push({ endChunk: this.loadedBelow, block });
        this.pump();
      }
    } catch (error) {
      this.machine.fail('READ_FAILED', `cannot read the file: ${(error as Error).message}`);
    } finally {
      this.loading = false;
    }
    this.afterEvent();
  }

  private pump(): void {
    if (this.pumping || this.finished) return;
    this.pumping = true;
    try {
      while (this.pendingSends < MAX_PENDING_SENDS) {
        const action = this.machine.nextAction(this.options.clock.now(), this.loadedBelow);
        if (action.type === 'send') this.send(action.chunkIndex, action.packetNumber);
        else {
          if (action.type === 'wait') this.armTimer(action.until);
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
    this.afterEvent();
  }

  private send(chunkIndex: number, packetNumber: number): void {
    const payload = this.chunks.get(chunkIndex)!;
    const buffer = this.freeBuffers.pop() ?? new Uint8Array(DATAGRAM_HEADER_BYTES + this.options.chunkBytes);
    const datagram = buffer.subarray(0, DATAGRAM_HEADER_BYTES + payload.length);
    writeDatagramHeader(datagram, { transferId: this.transferId, chunkIndex, packetNumber });
    datagram.set(payload, DATAGRAM_HEADER_BYTES);
    this.pendingSends++;
    const seal = this.options.seal;
    this.options.socket.send(seal ? sealDatagram(seal.aead, datagram) : datagram, this.options.port, this.options.control.remoteAddress).then(
      () => {
        // The kernel has the bytes: the buffer is free again.
        this.freeBuffers.push(buffer);
        this.sendFailures = 0;
        this.sendSettled();
      },
      (error: Error & { code?: string }) => {
        this.freeBuffers.push(buffer);
        if (++this.sendFailures >= MAX_SEND_FAILURES || error.code === 'EMSGSIZE') {
          this.machine.fail('SEND_FAILED', `cannot send to ${this.options.control.remoteAddress}:${this.options.port}: ${error.code ?? error.message}`);
        }
        this.sendSettled();
      },
    );
  }

  private sendSettled(): void {
    const wasBlocked = this.pendingSends >= MAX_PENDING_SENDS;
    this.pendingSends--;
    if (wasBlocked || this.machine.state === 'failed') this.pump();
  }

  /** After anything happened: send control lines, drop acknowledged chunks, read ahead, re-arm the timer, settle. */
  private afterEvent(): void {
    if (this.finished) return;
    this.flushOutbox();
    for (; this.releasedBelow < this.machine.ackedBelow; this.releasedBelow++) this.chunks.delete(this.releasedBelow);
    // Every chunk of these blocks is acknowledged and was copied into its datagrams: none is sent again.
    while (this.blocks.length > 0 && this.blocks[0]!.endChunk <= this.releasedBelow) this.options.source.release?.(this.blocks.shift()!.block);
    this.options.onProgress?.(Math.min(this.options.size - this.options.offset, this.machine.ackedBelow * this.options.chunkBytes));
    const { state } = this.machine;
    if (state === 'done' || state === 'failed') return this.finish();
    if (!this.loading && this.wantsMoreChunks()) void this.load();
    this.armTimer(this.machine.nextDeadline());
  }

  private flushOutbox(): void {
    for (const message of this.machine.drainOutbox()) this.sendControl(message);
  }

  private sendControl(message: ControlMessage): void {
    this.options.control.sendLine(formatControlLine(message));
  }

  private armTimer(at: number): void {
    if (at >= this.timerAt || at === Number.POSITIVE_INFINITY) return;
    const { clock } = this.options;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.machine.onTimer(clock.now());
      this.pump();
    }, Math.max(0, at - clock.now()));
  }

  private finish(): void {
    this.finished = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    for (const stop of this.stopListening.splice(0)) stop();
    this.chunks.clear();
    this.blocks.length = 0;
    void this.options.source.close().catch(() => {});
    if (this.machine.state === 'failed') return this.settle.reject(this.machine.error!);
    const stats = this.machine.stats;
    this.settle.resolve({
      transferId: this.transferId,
      bytes: this.options.size - this.options.offset,
      chunkBytes: this.options.chunkBytes,
      datagramsSent: stats.datagramsSent,
      retransmissions: stats.retransmissions,
      chunksLost: stats.chunksLost,
      windowReductions: stats.windowReductions,
      durationMs: this.options.clock.now() - this.startedAt,
    });
  }
}
