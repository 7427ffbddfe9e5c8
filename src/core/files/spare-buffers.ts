// Read buffers used again once a connection has taken their bytes. A chunk written to a socket
// stays referenced until the socket has passed it to the system; once nothing is pending on the
// socket (after a drain, or a write that went straight through) every chunk written before is free. Reading each chunk into a fresh 256 KiB buffer instead left tens of
// MiB of dead buffers for the garbage collector (it collects external memory late), and cost an
// allocation per chunk.

/** Chunks kept for reuse, and chunks remembered while the connection still holds them. */
const MAX_KEPT = 4;

export class SpareBuffers {
  private readonly free: Uint8Array[] = [];
  private readonly held: Uint8Array[] = [];

  /** @param chunkBytes only whole chunks of this size are kept: a short last chunk is not worth it. */
  constructor(private readonly chunkBytes: number) {}

  /** For the reader's `spare`: a buffer no one references, if there is one. */
  readonly take = (): Uint8Array | undefined => this.free.pop();

  /** `chunk` was handed to the connection: it is free again once the connection holds nothing. */
  written(chunk: Uint8Array): void {
    if (chunk.length !== this.chunkBytes) return;
    this.held.push(chunk);
    // A connection that never reports a drain: forget the oldest, the collector has it.
    if (this.held.length > MAX_KEPT) this.held.shift();
  }

  /** Nothing is pending on the connection any more: everything written before is free. */
  drained(): void {
    for (const chunk of this.held) if (this.free.length < MAX_KEPT) this.free.push(chunk);
    this.held.length = 0;
  }
}
