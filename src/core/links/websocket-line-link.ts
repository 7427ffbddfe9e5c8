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
import type { LineDecoderLimits } from '../../protocol/shared/line-decoder.ts';
import type { WebSocketConnection } from '../../runtime/http-types.ts';
import type { SocketAddress } from '../../runtime/types.ts';
import { DecodedLineLink } from './decoded-line-link.ts';
import { encodeLine, type LineLinkHandler, type RawOutput } from './line-link.ts';

const LINE_END = new Uint8Array([0x0a]);
/** Close codes (RFC 6455): normal, and a peer that broke the rules (input overflow). */
export const WS_CLOSE_NORMAL = 1000;
/** Raw output waits for the socket past this many queued bytes. */
const RAW_OUTPUT_MARK = 256 * 1024;

export class WebSocketLineLink extends DecodedLineLink {
  private ended = false;
  private closed = false;

  constructor(
    private readonly socket: WebSocketConnection,
    inputLimits: LineDecoderLimits,
  ) {
    super(inputLimits);
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
    this.setHandler(handler);
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
    // Each message ends a line; after a line that starts raw input, the rest of it is raw.
    if (this.decode(data)) this.decode(LINE_END);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  // ---- output -------------------------------------------------------------------------------

  write(lines: Uint8Array): boolean {
    if (this.holdBehindRawOutput(lines)) return false;
    this.sendLines(lines);
    return this.socket.bufferedAmount < RAW_OUTPUT_MARK;
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
    const state = this.beginRawOutput(onDrain);
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
    const held = this.takeHeldLines();
    if (held) this.sendLines(held);
  }
}
