// One TCP client of the echo server: reads, answers each read (or each line) with its
// timestamped echo, and closes on the client's goodbye byte or end of stream.
//
// Guarantees, in order:
// 1. Every reply is handed whole to `connection.write`, which queues what the kernel does not
//    take at once: a short write never loses bytes.
// 2. When `write` reports the send buffer past its mark, the connection is paused: nothing more
//    is read from a client that does not read its replies, so the kernel's window stops it and
//    our memory holds at most one read's replies beyond the mark. `drain` resumes it.
// 3. A read (or, with --lines, a line) starting with 0xFF is the goodbye: not echoed; replies
//    already queued are still sent, then our side closes. Anything after it is discarded.
// 4. End of stream from the client ("empty read"): replies already queued are sent (with
//    --lines, a last line without LF is answered too), then our side closes.
import { echoErrorLine } from '../../protocol/echo/echo-errors.ts';
import { findGoodbyeLine, GOODBYE_BYTE, type ReplyEncoder } from '../../protocol/echo/echo-format.ts';
import { LineDecoder, type LineSink } from '../../protocol/shared/line-decoder.ts';
import type { TcpConnection } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';

export type EchoFraming = 'read' | 'lines';
/** Why a client's connection ended: its goodbye byte, its end of stream, an error, or our shutdown. */
export type EchoCloseReason = 'goodbye' | 'eof' | 'reset' | 'shutdown';

/**
 * --lines input goes to the decoder this many bytes at a time. One read of many short lines
 * makes replies ~18 bytes longer per line; feeding slices lets backpressure stop between them
 * instead of queueing the replies of a whole read.
 */
const LINE_SLICE_BYTES = 4096;
const LF = 0x0a;
const utf8 = new TextEncoder();

export class EchoSession {
  bytesIn = 0;
  bytesOut = 0;
  reason: EchoCloseReason | undefined;
  /** Paused until `drain` because the send buffer is past its mark. */
  private blocked = false;
  /** Goodbye or end of stream handled: nothing more is echoed. */
  private done = false;
  private peerEnded = false;
  // --lines only: input waiting for the decoder while blocked, and where the goodbye is.
  private readonly decoder: LineDecoder | undefined;
  private readonly sink: LineSink;
  private backlog: Uint8Array[] = [];
  private atLineStart = true;
  private goodbyePending = false;

  constructor(
    readonly connection: TcpConnection,
    private readonly framing: EchoFraming,
    private readonly maxLineBytes: number,
    /** Replies carry its wall time: Unix time, by protocol. */
    private readonly clock: Pick<Clock, 'wallNow'>,
    /** Shared by all sessions of a server (one event loop: no two replies are built at once). */
    private readonly encoder: ReplyEncoder,
    /** Told when reading from this client stops (true) or starts again (false). */
    private readonly onPause: (paused: boolean) => void = () => {},
  ) {
    if (framing === 'lines') {
      // The decoder holds at most maxLineBytes + 1 bytes of a line, so a line without end costs
      // no memory; it is answered with LINE_TOO_LONG once its LF comes.
      this.decoder = new LineDecoder({ maxLineBytes, maxUnterminatedBytes: Number.MAX_SAFE_INTEGER });
    }
    this.sink = {
      line: (text) => this.send(this.encoder.encode(this.clock.wallNow(), utf8.encode(`${text}\n`))),
      overlong: (bytes) =>
        this.send(utf8.encode(echoErrorLine('LINE_TOO_LONG', `line of ${bytes} bytes is over the limit of ${this.maxLineBytes}`))),
    };
    connection.on('data', (chunk) => this.onData(chunk));
    connection.on('drain', () => this.onDrain());
    connection.on('end', () => this.onEnd());
  }

  /** Close at once for server shutdown; replies not yet sent are dropped. */
  shutdown(): void {
    if (!this.done) this.reason = 'shutdown';
    this.done = true;
    this.connection.destroy();
  }

  private onData(chunk: Uint8Array): void {
    this.bytesIn += chunk.length;
    if (this.done || this.goodbyePending) return;
    if (this.framing === 'read') {
      if (chunk[0] === GOODBYE_BYTE) this.finish('goodbye');
      else this.send(this.encoder.encode(this.clock.wallNow(), chunk));
      return;
    }
    const goodbye = findGoodbyeLine(chunk, this.atLineStart);
    if (goodbye === -1) {
      this.atLineStart = chunk[chunk.length - 1] === LF;
      this.backlog.push(chunk);
    } else {
      if (goodbye > 0) this.backlog.push(chunk.subarray(0, goodbye));
      this.goodbyePending = true;
    }
    this.pumpLines();
  }

  private send(reply: Uint8Array): void {
    this.bytesOut += reply.length;
    if (!this.connection.write(reply) && !this.blocked) {
      this.blocked = true;
      this.connection.pause();
      this.onPause(true);
    }
  }

  private onDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.framing === 'lines') this.pumpLines();
    if (!this.blocked && !this.done) {
      this.connection.resume();
      this.onPause(false);
    }
  }

  private onEnd(): void {
    this.peerEnded = true;
    if (this.done || this.backlog.length > 0 || this.goodbyePending) return; // pumpLines finishes
    this.finish('eof');
  }

  private pumpLines(): void {
    while (!this.blocked && this.backlog.length > 0) {
      const head = this.backlog[0]!;
      if (head.length <= LINE_SLICE_BYTES) {
        this.backlog.shift();
        this.decoder!.push(head, this.sink);
      } else {
        this.backlog[0] = head.subarray(LINE_SLICE_BYTES);
        this.decoder!.push(head.subarray(0, LINE_SLICE_BYTES), this.sink);
      }
    }
    if (this.backlog.length > 0 || this.done) return;
    if (this.goodbyePending) this.finish('goodbye');
    else if (this.peerEnded) this.finish('eof');
  }

  private finish(reason: EchoCloseReason): void {
    // A last line without LF is still a line: answer it before closing.
    if (reason === 'eof' && this.decoder && this.decoder.pendingBytes > 0) this.decoder.push(Uint8Array.of(LF), this.sink);
    this.done = true;
    this.reason = reason;
    this.backlog = [];
    this.connection.end();
    // Keep reading (and discarding) so the client's own close is seen and the socket freed.
    this.blocked = false;
    this.connection.resume();
  }
}
