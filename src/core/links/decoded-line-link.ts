// What every line link does the same way whatever carries its bytes: input framed by the line
// decoder until it turns raw, and lines held back while raw output runs, to follow it in order.
// A transport's link (`tcp-line-link.ts`, `websocket-line-link.ts`) extends it with how bytes
// arrive and leave.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import { LineDecoder, type LineDecoderLimits, type LineSink } from '../../protocol/shared/line-decoder.ts';
import type { SocketAddress } from '../../runtime/types.ts';
import { encodeLine, type LineLink, type LineLinkHandler, type RawInputSink, type RawOutput } from './line-link.ts';

/** Raw output in progress: the lines that wait for it, and who wants to hear of drains. */
export interface RawOutputState {
  held: Uint8Array[];
  heldBytes: number;
  onDrain: () => void;
}

export abstract class DecodedLineLink implements LineLink, LineSink {
  protected handler: LineLinkHandler | undefined = undefined;
  private readonly decoder: LineDecoder;
  /** Set once input is raw bytes instead of lines; for the rest of the connection. */
  protected rawInput: RawInputSink | undefined = undefined;
  protected rawOutput: RawOutputState | undefined = undefined;

  constructor(inputLimits: LineDecoderLimits) {
    this.decoder = new LineDecoder(inputLimits);
  }

  abstract readonly remote: SocketAddress;
  abstract readonly encrypted: boolean;
  abstract readonly pendingOutputBytes: number;
  abstract attach(handler: LineLinkHandler): void;
  abstract write(lines: Uint8Array): boolean;
  abstract end(finalLine?: string): void;
  abstract destroy(): void;
  abstract pause(): void;
  abstract resume(): void;
  abstract startRawOutput(onDrain: () => void): RawOutput;

  protected setHandler(handler: LineLinkHandler): void {
    if (this.handler) throw new Error('a line link has one handler');
    this.handler = handler;
  }

  /**
   * Frames `chunk` into lines for the handler; once a line turns input raw, the rest of the
   * chunk goes to the raw sink. False when the peer overflowed the unterminated-bytes limit
   * (reported to the handler) or input turned raw: the caller stops feeding this message.
   */
  protected decode(chunk: Uint8Array): boolean {
    const result = this.decoder.push(chunk, this);
    if (result === 'ok') return true;
    if (result === 'unterminated-overflow') {
      this.handler!.inputOverflow();
      return false;
    }
    if (result.rest.length > 0) this.rawInput!.data(result.rest);
    return false;
  }

  /** The peer ended its side: a last line without its LF still counts (see LineDecoder.end). */
  protected decodeEnd(): void {
    this.decoder.end(this);
  }

  // The decoder's sink (not for callers): lines go on to the handler until input turns raw.

  line(text: string): void {
    this.handler!.line(text);
  }

  overlong(bytes: number): void {
    this.handler!.overlong(bytes);
  }

  get framingStopped(): boolean {
    return this.rawInput !== undefined;
  }

  setInputLimits(limits: LineDecoderLimits): void {
    this.decoder.limits = limits;
  }

  startRawInput(sink: RawInputSink, readBufferBytes?: number): boolean {
    if (this.rawInput) throw new Error('raw input has already started');
    if (this.decoder.pendingBytes > 0) throw new Error('raw input starts at a line boundary');
    this.rawInput = sink;
    return readBufferBytes !== undefined && this.reuseReadBuffer(readBufferBytes);
  }

  /** Read into one buffer used again from now on, where the transport can (see TcpConnection). */
  protected reuseReadBuffer(_bytes: number): boolean {
    return false;
  }

  writeLine(line: string): boolean {
    return this.write(encodeLine(line));
  }

  /** While raw output runs, lines wait behind it: true when `lines` was held. */
  protected holdBehindRawOutput(lines: Uint8Array): boolean {
    const raw = this.rawOutput;
    if (!raw) return false;
    raw.held.push(lines);
    raw.heldBytes += lines.length;
    return true;
  }

  protected beginRawOutput(onDrain: () => void): RawOutputState {
    if (this.rawOutput) throw new Error('raw output is already running');
    const state: RawOutputState = { held: [], heldBytes: 0, onDrain };
    this.rawOutput = state;
    return state;
  }

  /** Ends raw output; returns the lines held meanwhile as one buffer, if any, to send now. */
  protected takeHeldLines(): Uint8Array | undefined {
    const { held, heldBytes } = this.rawOutput!;
    this.rawOutput = undefined;
    if (held.length === 0) return undefined;
    return held.length === 1 ? held[0]! : concatBytes(held, heldBytes);
  }
}
