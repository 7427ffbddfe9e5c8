// Runs a TransferReceiver against real things: takes datagrams from a UdpSocket, appends the
// chunks that are ready to a ByteSink in file order while hashing them, sends the machine's
// feedback on the control channel at its timer, and on the last chunk checks the SHA-256 before
// the file becomes visible.
//
// It listens before UDP_BEGIN arrives: the sender's first datagrams may overtake its UDP_BEGIN
// line, so a few are held until then.
import { type BeginMessage, formatControlLine, isControlLine, parseControlLine } from '../../protocol/udp-transfer/control-lines.ts';
import { DATAGRAM_HEADER_BYTES, MAX_UDP_PAYLOAD_BYTES, claimedTransferId, parseDatagram } from '../../protocol/udp-transfer/transfer-datagram.ts';
import { TransferError, type TransferErrorCode } from '../../protocol/udp-transfer/transfer-errors.ts';
import type { Aead, Sha256, UdpRemote, UdpSocket } from '../../runtime/types.ts';
import { keyFromHex, openSealedDatagram } from './datagram-seal.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import { ChunkLayout, MAX_CHUNKS, datagramsBufferHolds } from './chunk-layout.ts';
import type { ByteSink, ControlChannel } from './transfer-io.ts';
import type { UdpTransferLimits } from './transfer-limits.ts';
import { TransferReceiver, type ReceiverStats } from './transfer-receiver.ts';

/** Datagrams held while waiting for UDP_BEGIN. */
const MAX_EARLY_DATAGRAMS = 256;

export interface ReceiveTransferOptions {
  /** Bound; its port is the one the request named. */
  socket: UdpSocket;
  clock: Clock;
  control: ControlChannel;
  /** The id the request asked for. */
  transferId: number;
  /** Bytes already in the partial file (the request's offset). */
  offset: number;
  sink: ByteSink;
  /** SHA-256 already fed with the partial file's `offset` bytes. */
  hash: Sha256;
  limits: UdpTransferLimits;
  /**
   * The socket's receive buffer as the kernel reports it, when known: the window never
   * promises more datagrams than it holds.
   */
  socketBufferBytes?: number;
  /** Only datagrams from this address count (the sender's IP); others are foreign. */
  senderAddress?: string;
  /** Keep the hidden partial file when the transfer fails for a reason other than a wrong hash. */
  keepPartial?: boolean;
  onBegin?: (begin: BeginMessage) => void;
  onProgress?: (writtenBytes: number, totalBytes: number) => void;
  /**
   * The transfer was asked for sealed: UDP_BEGIN must carry a key, and only datagrams that open
   * with it count (the others are forged or damaged, and counted as `forged`).
   */
  sealed?: { aead: (key: Uint8Array) => Aead };
}

export interface ReceiveReport extends ReceiverStats {
  /** Datagrams of a sealed transfer that did not open with its key (forged, damaged, or plain). */
  forged: number;
  transferId: number;
  /** Bytes this transfer wrote (after the offset). */
  bytes: number;
  size: number;
  sha256: string;
  durationMs: number;
}

export interface IncomingTransfer {
  readonly transferId: number;
  /** Resolves when the file is verified and in place; rejects with a TransferError. */
  readonly done: Promise<ReceiveReport>;
  cancel(reason?: string): void;
}

export function startReceive(options: ReceiveTransferOptions): IncomingTransfer {
  return new ReceiveDriver(options);
}

class ReceiveDriver implements IncomingTransfer {
  readonly done: Promise<ReceiveReport>;
  readonly transferId: number;
  private machine: TransferReceiver | undefined;
  private early: Uint8Array[] = [];
  /** The append loop, while it runs. */
  private writing: Promise<void> | undefined;
  private finished = false;
  private failedBeforeBegin: TransferError | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly startedAt: number;
  private foreignSources = 0;
  private forged = 0;
  private aead: Aead | undefined;
  private readonly stopListening: Array<() => void> = [];
  private settle!: { resolve: (report: ReceiveReport) => void; reject: (error: TransferError) => void };
  private readonly onMessage = (data: Uint8Array, from: UdpRemote) => this.onDatagram(data, from);

  constructor(private readonly options: ReceiveTransferOptions) {
    this.transferId = options.transferId;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.startedAt = options.clock.now();
    options.socket.on('message', this.onMessage);
    this.stopListening.push(
      () => options.socket.off('message', this.onMessage),
      options.control.onLine((line) => this.onLine(line)),
      options.control.onClose(() => this.fail('CANCELLED', 'the control connection closed', true)),
    );
    this.armTimer(this.startedAt + options.limits.abandonTimeoutMs);
  }

  cancel(reason = 'cancelled'): void {
    this.fail('CANCELLED', reason);
  }

  private onLine(line: string): void {
    if (!isControlLine(line)) return;
    const parsed = parseControlLine(line);
    if (!parsed.ok || parsed.message.transferId !== this.transferId) return;
    const message = parsed.message;
    if (message.type === 'begin' && !this.machine) this.begin(message);
    else if (message.type === 'error' && !this.machine) this.fail(message.code as TransferErrorCode, message.text, true);
    else this.machine?.onControl(message);
    this.afterEvent();
  }

  private begin(begin: BeginMessage): void {
    const { limits, offset } = this.options;
    const layout = new ChunkLayout(begin.size, begin.offset, begin.chunkBytes);
    if (this.options.sealed) {
      if (begin.key === undefined) return this.fail('BAD_BEGIN', 'a sealed transfer was asked for and UDP_BEGIN carries no key');
      this.aead = this.options.sealed.aead(keyFromHex(begin.key));
    }
    if (begin.offset !== offset) return this.fail('BAD_BEGIN', `asked to resume at byte ${offset}, the sender starts at ${begin.offset}`);
    if (begin.chunkBytes + DATAGRAM_HEADER_BYTES > MAX_UDP_PAYLOAD_BYTES || layout.count > MAX_CHUNKS) {
      return this.fail('BAD_BEGIN', `cannot take ${layout.count} chunks of ${begin.chunkBytes} bytes`);
    }
    const memoryChunks = layout.chunksIn(limits.maxWindowBytes);
    const bufferBytes = this.options.socketBufferBytes;
    const windowChunks = bufferBytes ? Math.min(memoryChunks, datagramsBufferHolds(bufferBytes, begin.chunkBytes + DATAGRAM_HEADER_BYTES)) : memoryChunks;
    const now = this.options.clock.now();
    const { feedbackIntervalMs, abandonTimeoutMs } = limits;
    this.machine = new TransferReceiver(begin, { windowChunks, memoryChunks, feedbackIntervalMs, abandonTimeoutMs }, now);
    this.options.onBegin?.(begin);
    for (const early of this.early.splice(0)) {
      const datagram = this.opened(early);
      if (datagram) this.machine.onDatagram(datagram, now);
    }
    // Chunks that came early, or none at all (an empty file): start writing or verifying now.
    this.startWriting();
  }

  private onDatagram(data: Uint8Array, from: UdpRemote): void {
    if (this.options.senderAddress !== undefined && from.address !== this.options.senderAddress) {
      this.foreignSources++;
      return;
    }
    if (this.machine) {
      const datagram = this.opened(data);
      if (!datagram) return;
      this.machine.onDatagram(datagram, this.options.clock.now());
      if (this.machine.hasReady) this.startWriting();
      if (this.machine.hasOutgoing) this.afterEvent();
      return;
    }
    // Sealed ones are opened once the key is known; until then only the id is looked at.
    const parsed = this.options.sealed ? undefined : parseDatagram(data);
    const ours = parsed ? parsed.ok && parsed.transferId === this.transferId : claimedTransferId(data) === this.transferId;
    if (ours && this.early.length < MAX_EARLY_DATAGRAMS) this.early.push(data);
  }

  /** The datagram to hand the machine: as it came, or opened with a sealed transfer's key. */
  private opened(data: Uint8Array): Uint8Array | undefined {
    if (!this.aead) return data;
    const plain = openSealedDatagram(this.aead, data);
    if (!plain) this.forged++;
    return plain;
  }

  private startWriting(): void {
    if (this.writing || this.finished || !this.machine) return;
    this.writing = this.writeReady(this.machine).then(() => {
      this.writing = undefined;
      this.afterEvent();
    });
  }

  /** Append what is ready, one batch at a time: while a batch is written the next one gathers. */
  private async writeReady(machine: TransferReceiver): Promise<void> {
    try {
      for (let parts = machine.takeReady(); parts.length > 0 && !this.finished; parts = machine.takeReady()) {
        for (const part of parts) this.options.hash.update(part);
        await this.options.sink.append(parts);
        machine.onWritten(parts.length, this.options.clock.now());
        this.options.onProgress?.(Math.min(machine.written * machine.layout.chunkBytes, machine.layout.size - machine.layout.offset), machine.layout.size);
      }
    } catch (error) {
      machine.fail('WRITE_FAILED', `cannot write the file: ${(error as Error).message}`);
    }
    if (machine.awaitingDigest && !this.finished) await this.verifyAndStore(machine);
  }

  private async verifyAndStore(machine: TransferReceiver): Promise<void> {
    if (!machine.verify(this.options.hash.digestHex())) return;
    try {
      await this.options.sink.commit();
      machine.stored();
    } catch (error) {
      machine.fail('WRITE_FAILED', `cannot put the file in place: ${(error as Error).message}`);
    }
  }

  private fail(code: TransferErrorCode, text: string, fromPeer = false): void {
    if (this.machine) this.machine.fail(code, text, fromPeer);
    else if (!this.failedBeforeBegin) {
      this.failedBeforeBegin = new TransferError(code, text, fromPeer);
      if (!fromPeer) this.options.control.sendLine(formatControlLine({ type: 'error', transferId: this.transferId, code, text }));
    }
    this.afterEvent();
  }

  private afterEvent(): void {
    if (this.finished) return;
    const machine = this.machine;
    if (machine) for (const message of machine.drainOutbox()) this.options.control.sendLine(formatControlLine(message));
    if (this.failedBeforeBegin || machine?.state === 'failed') return void this.finish();
    if (machine?.state === 'done') return void this.finish();
    if (!machine) return;
    if (machine.hasReady) this.startWriting();
    this.armTimer(machine.nextDeadline());
  }

  private armTimer(at: number): void {
    if (at >= this.timerAt || at === Number.POSITIVE_INFINITY) return;
    const { clock } = this.options;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      const now = clock.now();
      if (!this.machine) return this.fail('DATA_TIMEOUT', `no UDP_BEGIN from the sender in ${this.options.limits.abandonTimeoutMs} ms`);
      this.machine.onTimer(now);
      this.afterEvent();
    }, Math.max(0, at - clock.now()));
  }

  private async finish(): Promise<void> {
    this.finished = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    for (const stop of this.stopListening.splice(0)) stop();
    const machine = this.machine;
    const error = this.failedBeforeBegin ?? machine?.error;
    await this.writing;
    if (error || !machine) {
      const keep = (this.options.keepPartial ?? true) && error?.code !== 'HASH_MISMATCH';
      await (keep ? this.options.sink.close() : this.options.sink.discard()).catch(() => {});
      return this.settle.reject(error ?? new TransferError('CANCELLED', 'ended before it began'));
    }
    this.settle.resolve({
      ...machine.stats,
      foreign: machine.stats.foreign + this.foreignSources,
      forged: this.forged,
      transferId: this.transferId,
      bytes: machine.layout.size - machine.layout.offset,
      size: machine.layout.size,
      sha256: machine.begin.sha256,
      durationMs: this.options.clock.now() - this.startedAt,
    });
  }
}
