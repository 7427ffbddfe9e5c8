// The sending side of one UDP transfer as a pure state machine: no sockets, no clock, no bytes.
// The driver asks `nextAction(now)` what to send (a chunk index and its packet number), feeds
// it the receiver's control lines and calls `onTimer` at `nextDeadline()`.
//
// Loss recovery follows QUIC (RFC 9002 §6) rather than TFTP's go-back-N: every datagram has a
// new packet number, so feedback naming the newest packet received says exactly which earlier
// transmissions had their chance. A chunk the receiver lists as missing is lost once a packet
// sent 3 later, or 9/8 RTT later, was received. When nothing has been sent for a probe timeout
// (the tail of the file was lost, or the receiver stalled) the two lowest unacknowledged chunks
// are resent as probes, and the timeout doubles until feedback acknowledges something: a stall
// costs two datagrams, not a window. Only lost chunks are resent, lowest first, each with a new
// packet number, so a retransmission lost again is found the same way.
import type { AckMessage, BeginMessage, ControlMessage } from '../../protocol/udp-transfer/control-lines.ts';
import { MAX_U32 } from '../../protocol/udp-transfer/transfer-datagram.ts';
import { TransferError, type TransferErrorCode } from '../../protocol/udp-transfer/transfer-errors.ts';
import { ChunkLayout } from './chunk-layout.ts';
import { RttEstimator } from './rtt-estimator.ts';
import { SendRateControl } from './send-rate-control.ts';
import { IN_FLIGHT, LOST, SentChunks } from './sent-chunks.ts';

/** Chunks reported received after a missing one before it counts as lost (QUIC's kPacketThreshold). */
const PACKET_THRESHOLD = 3;
/** Chunks resent when the probe timeout expires (QUIC sends one or two probes). */
const PROBE_CHUNKS = 2;
/** The probe timeout doubles at most this many times in a row. */
const MAX_PROBE_BACKOFF = 6;

export interface SenderOptions {
  transferId: number;
  size: number;
  offset: number;
  chunkBytes: number;
  sha256: string;
  /** A sealed transfer's key (hex), announced in UDP_BEGIN: only on a TLS control channel. */
  key?: string;
  initialWindowChunks: number;
  /** The most chunks held unacknowledged, whatever the receiver advertises. */
  maxWindowChunks: number;
  feedbackIntervalMs: number;
  abandonTimeoutMs: number;
  unreachableTimeoutMs: number;
}

export type SendAction =
  | { type: 'send'; chunkIndex: number; packetNumber: number; retransmission: boolean }
  /** Pacing: ask again at `until`. */
  | { type: 'wait'; until: number }
  /** Nothing to send until feedback, more loaded chunks, or `nextDeadline()`. */
  | { type: 'idle' };

export type SenderState = 'sending' | 'finishing' | 'done' | 'failed';

export interface SenderStats {
  datagramsSent: number;
  retransmissions: number;
  chunksLost: number;
  windowReductions: number;
  window: number;
  smoothedRttMs: number;
}

export class TransferSender {
  readonly layout: ChunkLayout;
  readonly begin: BeginMessage;
  state: SenderState = 'sending';
  error: TransferError | undefined;
  /** Every chunk before this one is received: the driver may let go of their bytes. */
  ackedBelow = 0;
  /** The next chunk never sent. */
  nextNew = 0;
  readonly rtt = new RttEstimator();
  private readonly rate: SendRateControl;
  private readonly chunks: SentChunks;
  private retransmitQueue: number[] = [];
  private retransmitHead = 0;
  private nextPacket = 0;
  private largestReported = -1;
  private receiverWindow: number;
  /** The last feedback's [listedUpTo, high): chunks there are neither known received nor missing. */
  private unknownFrom = 0;
  private unknownTo = 0;
  private everReceived = false;
  private feedbackCount = 0;
  private lastFeedbackAt: number;
  private lastSendAt = 0;
  /** When the last probe timeout fired (its probes may wait for the window). */
  private lastProbeAt = 0;
  /** Probe timeouts in a row without feedback acknowledging anything. */
  private probes = 0;
  private readonly startedAt: number;
  private outbox: ControlMessage[] = [];
  private counters = { datagramsSent: 0, retransmissions: 0, chunksLost: 0 };

  constructor(
    private readonly options: SenderOptions,
    now: number,
  ) {
    this.layout = new ChunkLayout(options.size, options.offset, options.chunkBytes);
    this.chunks = new SentChunks(options.maxWindowChunks);
    const window = Math.min(options.initialWindowChunks, options.maxWindowChunks);
    this.rate = new SendRateControl(window, options.maxWindowChunks, now);
    this.receiverWindow = window;
    this.startedAt = now;
    this.lastFeedbackAt = now;
    this.begin = {
      type: 'begin',
      transferId: options.transferId,
      size: options.size,
      offset: options.offset,
      chunkBytes: options.chunkBytes,
      window,
      sha256: options.sha256,
      ...(options.key !== undefined && { key: options.key }),
    };
    this.outbox.push(this.begin);
  }

  get stats(): SenderStats {
    return {
      ...this.counters,
      windowReductions: this.rate.reductions,
      window: this.rate.window,
      smoothedRttMs: this.rtt.smoothedMs,
    };
  }

  /** Control lines to send to the receiver, in order. */
  drainOutbox(): readonly ControlMessage[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** What to do now; `loadedBelow` is the first chunk whose bytes the driver does not hold yet. */
  nextAction(now: number, loadedBelow = this.layout.count): SendAction {
    if (this.state !== 'sending') return { type: 'idle' };
    const pacedUntil = this.rate.sendableAt(now, this.rtt.smoothedMs, this.rtt.samples > 0);
    if (pacedUntil > 0) return { type: 'wait', until: pacedUntil };
    while (this.retransmitHead < this.retransmitQueue.length) {
      const chunk = this.retransmitQueue[this.retransmitHead]!;
      if (chunk < this.ackedBelow || this.chunks.state(chunk) !== LOST) {
        this.retransmitHead++;
        continue;
      }
      if (this.chunks.inFlight >= this.rate.window) return this.windowLimited();
      this.retransmitHead++;
      return this.transmit(chunk, now, true);
    }
    this.compactRetransmitQueue();
    if (this.nextNew >= this.layout.count) return { type: 'idle' };
    if (this.nextNew >= this.ackedBelow + Math.min(this.receiverWindow, this.options.maxWindowChunks)) return { type: 'idle' };
    if (this.chunks.inFlight >= this.rate.window) return this.windowLimited();
    if (this.nextNew >= loadedBelow) return { type: 'idle' };
    return this.transmit(this.nextNew++, now, false);
  }

  private windowLimited(): SendAction {
    this.rate.noteWindowLimited();
    return { type: 'idle' };
  }

  private transmit(chunk: number, now: number, retransmission: boolean): SendAction {
    if (this.nextPacket > MAX_U32) {
      this.fail('SEND_FAILED', 'packet numbers exhausted (too many retransmissions)');
      return { type: 'idle' };
    }
    const packetNumber = this.nextPacket++;
    this.chunks.recordSend(chunk, packetNumber, now);
    this.counters.datagramsSent++;
    if (retransmission) this.counters.retransmissions++;
    this.rate.onSent();
    this.lastSendAt = now;
    return { type: 'send', chunkIndex: chunk, packetNumber, retransmission };
  }

  private compactRetransmitQueue(): void {
    if (this.retransmitHead === 0) return;
    this.retransmitQueue = this.retransmitQueue.slice(this.retransmitHead);
    this.retransmitHead = 0;
  }

  /** A control line from the receiver (any transfer id; others are ignored). */
  onControl(message: ControlMessage, now: number): void {
    if (message.transferId !== this.options.transferId || this.state === 'done' || this.state === 'failed') return;
    if (message.type === 'ack') this.onAck(message, now);
    else if (message.type === 'done') this.state = 'done';
    else if (message.type === 'error') this.fail(message.code as TransferErrorCode, message.text, true);
    else this.fail('PROTOCOL_ERROR', 'the receiver sent UDP_BEGIN');
  }

  private onAck(ack: AckMessage, now: number): void {
    if (ack.next < this.ackedBelow || ack.high > this.nextNew || ack.next > this.layout.count) {
      this.fail('PROTOCOL_ERROR', `feedback next=${ack.next} high=${ack.high} contradicts what was sent`);
      return;
    }
    const reported = ack.largestPacket;
    if (reported && reported.packetNumber >= this.nextPacket) {
      this.fail('PROTOCOL_ERROR', `feedback names packet ${reported.packetNumber}, never sent`);
      return;
    }
    this.lastFeedbackAt = now;
    this.feedbackCount++;
    if (ack.received > 0) this.everReceived = true;
    if (reported && reported.packetNumber > this.largestReported) {
      this.largestReported = reported.packetNumber;
      const sentAt = this.chunks.sentAtOfPacket(reported.packetNumber);
      if (sentAt !== undefined) this.rtt.addSample(now - sentAt, reported.delayUs / 1000);
    }
    let acked = 0;
    let lost = 0;
    for (let chunk = this.ackedBelow; chunk < ack.next; chunk++) acked += this.chunks.forget(chunk);
    this.ackedBelow = ack.next;
    let cursor = ack.next;
    for (const range of ack.missing) {
      for (; cursor < range.start; cursor++) acked += this.chunks.markReceived(cursor);
      for (let chunk = range.start; chunk < range.end; chunk++) lost += this.lostByReport(chunk, now);
      cursor = range.end;
    }
    for (; cursor < ack.listedUpTo; cursor++) acked += this.chunks.markReceived(cursor);
    for (let chunk = Math.max(ack.high, ack.next); chunk < this.nextNew; chunk++) lost += this.lostByReport(chunk, now);
    this.unknownFrom = ack.listedUpTo;
    this.unknownTo = ack.high;
    this.receiverWindow = Math.min(ack.window, this.options.maxWindowChunks);
    this.counters.chunksLost += lost;
    if (acked > 0) this.probes = 0;
    this.rate.onFeedback(acked, lost, this.largestReported, this.nextPacket - 1);
    if (this.ackedBelow === this.layout.count && this.state === 'sending') this.state = 'finishing';
  }

  /** A chunk the feedback shows not received: lost if later packets had their chance (1), else still in flight (0). */
  private lostByReport(chunk: number, now: number): number {
    if (this.chunks.state(chunk) !== IN_FLIGHT) return 0;
    const packet = this.chunks.packetOf(chunk);
    const overtaken = packet + PACKET_THRESHOLD <= this.largestReported;
    const timedOut = packet < this.largestReported && now - this.chunks.sentAtOf(chunk) >= this.rtt.lossDelayMs();
    if (!overtaken && !timedOut) return 0;
    this.markLost(chunk);
    return 1;
  }

  private markLost(chunk: number): void {
    this.chunks.markLost(chunk);
    this.retransmitQueue.push(chunk);
  }

  private probeDeadline(): number {
    const backoff = 2 ** Math.min(this.probes, MAX_PROBE_BACKOFF);
    return Math.max(this.lastSendAt, this.lastProbeAt) + this.rtt.probeTimeoutMs(this.options.feedbackIntervalMs) * backoff;
  }

  /** When `onTimer` should run next. */
  nextDeadline(): number {
    if (this.state === 'done' || this.state === 'failed') return Number.POSITIVE_INFINITY;
    let deadline = this.lastFeedbackAt + this.options.abandonTimeoutMs;
    if (this.watchingReachability()) deadline = Math.min(deadline, this.startedAt + this.options.unreachableTimeoutMs);
    if (this.chunks.inFlight > 0) deadline = Math.min(deadline, this.probeDeadline());
    return deadline;
  }

  /** Feedback arrives but has never reported a datagram: the receiver's port may be unreachable. */
  private watchingReachability(): boolean {
    return !this.everReceived && this.layout.count > 0 && this.feedbackCount > 0;
  }

  onTimer(now: number): void {
    if (this.state === 'done' || this.state === 'failed') return;
    // Deadlines are compared as the sums nextDeadline() returns, so a timer at one always fires it.
    if (now >= this.lastFeedbackAt + this.options.abandonTimeoutMs) {
      this.fail('FEEDBACK_TIMEOUT', `no feedback from the receiver for ${this.options.abandonTimeoutMs} ms`);
      return;
    }
    if (this.watchingReachability() && now >= this.startedAt + this.options.unreachableTimeoutMs) {
      this.fail('UNREACHABLE', `no datagram reached the receiver in ${this.options.unreachableTimeoutMs} ms: is its UDP port open?`);
      return;
    }
    if (this.chunks.inFlight > 0 && now >= this.probeDeadline()) this.probe(now);
  }

  /**
   * Nothing was sent for a probe timeout: resend the lowest chunks in flight, preferring ones the
   * last feedback showed missing or did not reach, and back off.
   */
  private probe(now: number): void {
    this.lastProbeAt = now;
    const probes: number[] = [];
    for (const skipUnknown of [true, false]) {
      for (let chunk = this.ackedBelow; chunk < this.nextNew && probes.length < PROBE_CHUNKS; chunk++) {
        if (skipUnknown && chunk >= this.unknownFrom && chunk < this.unknownTo) continue;
        if (this.chunks.state(chunk) === IN_FLIGHT && !probes.includes(chunk)) probes.push(chunk);
      }
    }
    for (const chunk of probes) this.markLost(chunk);
    this.probes++;
  }

  /** End the transfer; unless the receiver said so itself, it is told with UDP_ERROR. */
  fail(code: TransferErrorCode, text: string, fromPeer = false): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.error = new TransferError(code, text, fromPeer);
    if (!fromPeer) this.outbox.push({ type: 'error', transferId: this.options.transferId, code, text });
  }
}
