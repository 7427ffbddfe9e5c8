// A line link over one WebSocket: one text message per line, both ways (docs/PROTOCOL.md, "Web
// client"). Incoming messages go through the same line decoder as TCP bytes, each followed by
// a line end, so the same limits, replacement of invalid UTF-8 and over-long reports apply; a
// message holding LFs is several lines, as on TCP. Outgoing lines arrive as LF-terminated
// bytes shared with other links (the output batcher's one buffer): the runtime frames such a
// buffer once for all the connections that get it, and sends a batch of lines in one write.
//
// Raw bytes (DOWNLOAD_TCP and UPLOAD on the chat connection) travel as binary messages; an
// empty binary message ends a raw upload, as a half-close does on TCP. The page itself moves
// files over HTTP instead (src/core/web/).
import { concatBytes } from '../../protocol/shared/bytes.ts';
import { LineDecoder, type LineDecoderLimits, type LineSink } from '../../protocol/shared/line-decoder.ts';
import type { WebSocketConnection } from '../../runtime/http-types.ts';
import type { SocketAddress } from '../../runtime/types.ts';
import { encodeLine, type LineLink, type LineLinkHandler, type RawInputSink, type RawOutput } from './line-link.ts';

const LINE_END = new Uint8Array([0x0a]);
/** Close codes (RFC 6455): normal, and a peer that broke the rules (input overflow). */
export const WS_CLOSE_NORMAL = 1000;
/** Raw output waits for the socket past this many queued bytes. */
const RAW_OUTPUT_MARK = 256 * 1024;

interface RawOutputState {
  held: Uint8Array[];
  heldBytes: number;
  onDrain: () => void;
}

export class WebSocketLineLink implements LineLink, LineSink {
  private handler: LineLinkHandler | undefined = undefined;
  private readonly decoder: LineDecoder;
  private rawInput: RawInputSink | undefined = undefined;
  private rawOutput: RawOutputState | undefined = undefined;
  private ended = false;
  private closed = false;

  constructor(
    private readonly socket: WebSocketConnection,
    inputLimits: LineDecoderLimits,
  ) {
    this.decoder = new LineDecoder(inputLimits);
  }

  get remote(): SocketAddress {
    return this.socket.remote;
  }

  get encrypted(): boolean {
    return this.socket.encrypted;
  }

  get pendingOutputBytes(): number {
    return this.socket.bufferedAmount + (this.rawOutput?.heldBytes ?? 0);
  }

  attach(handler: LineLinkHandler): void {
    if (this.handler) throw new Error('a line link has one handler');
    this.handler = handler;
    this.socket.onMessage((data, binary) => this.receive(data, binary));
    this.socket.onClose((hadError) => {
      this.closed = true;
      handler.closed(hadError);
    });
    this.socket.onDrain(() => this.rawOutput?.onDrain());
  }

  // ---- input --------------------------------------------------------------------------------

  private receive(data: Uint8Array, binary: boolean): void {
    if (this.closed) return;
    if (this.rawInput) {
      if (binary && data.length === 0) return this.rawInput.end();
      return this.rawInput.data(data);
    }
    for (const chunk of [data, LINE_END]) {
      const result = this.decoder.push(chunk, this);
      if (result === 'ok') continue;
      if (result === 'unterminated-overflow') return this.handler!.inputOverflow();
      // Framing stopped after a line that started raw input: the rest of the message is raw.
      const rest = chunk === LINE_END ? new Uint8Array(0) : result.rest;
      if (rest.length > 0) this.rawInput!.data(rest);
      return;
    }
  }

  line(text: string): void {
    this.handler!.line(text);
  }

  overlong(bytes: number): void {
    this.handler!.overlong(bytes);
  }

  get framingStopped(): boolean {
    return this.rawInput !== undefined;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  setInputLimits(limits: LineDecoderLimits): void {
    this.decoder.limits = limits;
  }

  startRawInput(sink: RawInputSink): void {
    if (this.rawInput) throw new Error('raw input has already started');
    if (this.decoder.pendingBytes > 0) throw new Error('raw input starts at a line boundary');
    this.rawInput = sink;
  }

  // ---- output -------------------------------------------------------------------------------

  write(lines: Uint8Array): boolean {
    const raw = this.rawOutput;
    if (raw) {
      raw.held.push(lines);
      raw.heldBytes += lines.length;
      return false;
    }
    this.sendLines(lines);
    return this.socket.bufferedAmount < RAW_OUTPUT_MARK;
  }

  writeLine(line: string): boolean {
    return this.write(encodeLine(line));
  }

  /** One text message per LF-terminated line; the runtime frames a shared buffer once. */
  private sendLines(lines: Uint8Array): void {
    if (this.ended || this.closed) return;
    this.socket.sendLines(lines);
  }

  end(finalLine?: string): void {
    if (this.rawOutput) this.finishRawOutput();
    if (finalLine !== undefined) this.sendLines(encodeLine(finalLine));
    if (this.ended) return;
    this.ended = true;
    this.socket.close(WS_CLOSE_NORMAL, '');
  }

  destroy(): void {
    this.ended = true;
    this.socket.terminate();
  }

  startRawOutput(onDrain: () => void): RawOutput {
    if (this.rawOutput) throw new Error('raw output is already running');
    const state: RawOutputState = { held: [], heldBytes: 0, onDrain };
    this.rawOutput = state;
    return {
      write: (bytes) => {
        if (this.rawOutput !== state || this.ended || this.closed) return false;
        this.socket.send(bytes, true);
        return this.socket.bufferedAmount < RAW_OUTPUT_MARK;
      },
      end: () => {
        if (this.rawOutput === state) this.finishRawOutput();
      },
    };
  }

  private finishRawOutput(): void {
    const { held, heldBytes } = this.rawOutput!;
    this.rawOutput = undefined;
    if (held.length > 0) this.sendLines(held.length === 1 ? held[0]! : concatBytes(held, heldBytes));
  }
}
