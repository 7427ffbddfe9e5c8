// A line link over one runtime TcpConnection, framed by the line decoder. It adds no timer and
// no buffer of its own while idle: three listeners on the connection, a decoder that holds
// nothing between lines, and the raw-byte states only while they run.
import type { LineDecoderLimits } from '../../protocol/shared/line-decoder.ts';
import type { SocketAddress, TcpConnection } from '../../runtime/types.ts';
import { DecodedLineLink } from './decoded-line-link.ts';
import { encodeLine, type LineLinkHandler, type RawOutput } from './line-link.ts';

export class TcpLineLink extends DecodedLineLink {
  constructor(
    private readonly connection: TcpConnection,
    inputLimits: LineDecoderLimits,
  ) {
    super(inputLimits);
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
    this.setHandler(handler);
    const connection = this.connection;
    connection.on('data', (chunk) => (this.rawInput ? this.rawInput.data(chunk) : this.decode(chunk)));
    connection.on('end', () => {
      if (!this.rawInput) this.decodeEnd();
      // The last line may have turned input raw (an upload with no bytes after it).
      if (this.rawInput) this.rawInput.end();
      else handler.peerEnded();
    });
    connection.on('close', (hadError) => handler.closed(hadError));
    if (handler.error) connection.on('error', (error) => handler.error!(error));
  }

  pause(): void {
    this.connection.pause();
  }

  protected override reuseReadBuffer(bytes: number): boolean {
    return this.connection.reuseReadBuffer(bytes);
  }

  resume(): void {
    this.connection.resume();
  }

  // ---- output -------------------------------------------------------------------------------

  write(lines: Uint8Array): boolean {
    if (this.holdBehindRawOutput(lines)) return false;
    return this.connection.write(lines);
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
    const state = this.beginRawOutput(onDrain);
    this.connection.on('drain', onDrain);
    return {
      write: (bytes) => this.rawOutput === state && this.connection.write(bytes),
      end: () => {
        if (this.rawOutput === state) this.finishRawOutput();
      },
    };
  }

  private finishRawOutput(): void {
    this.connection.off('drain', this.rawOutput!.onDrain);
    const held = this.takeHeldLines();
    if (held) this.connection.write(held);
  }
}
