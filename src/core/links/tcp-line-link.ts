// A line link over one runtime TcpConnection, framed by the line decoder. It adds no timer and
// no buffer of its own while idle: three listeners on the connection, a decoder that holds
// nothing between lines, and the raw-byte states only while they run.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import { LineDecoder, type LineDecoderLimits, type LineSink } from '../../protocol/shared/line-decoder.ts';
import type { SocketAddress, TcpConnection } from '../../runtime/types.ts';
import { encodeLine, type LineLink, type LineLinkHandler, type RawInputSink, type RawOutput } from './line-link.ts';

/** Raw output in progress: the lines that wait for it, and who wants to hear of drains. */
interface RawOutputState {
  held: Uint8Array[];
  heldBytes: number;
  onDrain: () => void;
}

export class TcpLineLink implements LineLink, LineSink {
  private handler: LineLinkHandler | undefined = undefined;
  private readonly decoder: LineDecoder;
  /** Set once input is raw bytes instead of lines; for the rest of the connection. */
  private rawInput: RawInputSink | undefined = undefined;
  private rawOutput: RawOutputState | undefined = undefined;

  constructor(
    private readonly connection: TcpConnection,
    inputLimits: LineDecoderLimits,
  ) {
    this.decoder = new LineDecoder(inputLimits);
  }

  get remote(): SocketAddress {
    return this.connection.remote;
  }

  get encrypted(): boolean {
    // TLS connections report it; a runtime without TLS has no such field, and is plain TCP.
    return (this.connection as { readonly encrypted?: boolean }).encrypted === true;
  }

  get pendingOutputBytes(): number {
    return this.connection.pendingWriteBytes + (this.rawOutput?.heldBytes ?? 0);
  }

  attach(handler: LineLinkHandler): void {
    if (this.handler) throw new Error('a line link has one handler');
    this.handler = handler;
    const connection = this.connection;
    connection.on('data', (chunk) => this.receive(chunk));
    connection.on('end', () => (this.rawInput ? this.rawInput.end() : handler.peerEnded()));
    connection.on('close', (hadError) => handler.closed(hadError));
    if (handler.error) connection.on('error', (error) => handler.error!(error));
  }

  // ---- input --------------------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (this.rawInput) return this.rawInput.data(chunk);
    const result = this.decoder.push(chunk, this);
    if (result === 'ok') return;
    if (result === 'unterminated-overflow') return this.handler!.inputOverflow();
    // Framing stopped after the line that started raw input: the rest is raw.
    if (result.rest.length > 0) this.rawInput!.data(result.rest);
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

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
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
    if (!raw) return this.connection.write(lines);
    raw.held.push(lines);
    raw.heldBytes += lines.length;
    return false;
  }

  writeLine(line: string): boolean {
    return this.write(encodeLine(line));
  }

  end(finalLine?: string): void {
    if (this.rawOutput) this.finishRawOutput();
    if (finalLine === undefined) this.connection.end();
    else this.connection.end(encodeLine(finalLine));
  }

  destroy(): void {
    this.connection.destroy();
  }

  startRawOutput(onDrain: () => void): RawOutput {
    if (this.rawOutput) throw new Error('raw output is already running');
    const state: RawOutputState = { held: [], heldBytes: 0, onDrain };
    this.rawOutput = state;
    this.connection.on('drain', onDrain);
    return {
      write: (bytes) => this.rawOutput === state && this.connection.write(bytes),
      end: () => {
        if (this.rawOutput === state) this.finishRawOutput();
      },
    };
  }

  private finishRawOutput(): void {
    const { held, heldBytes, onDrain } = this.rawOutput!;
    this.rawOutput = undefined;
    this.connection.off('drain', onDrain);
    if (held.length > 0) this.connection.write(held.length === 1 ? held[0]! : concatBytes(held, heldBytes));
  }
}
