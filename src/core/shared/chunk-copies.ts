// Chunks copied for the file writer into a ring of slabs. A TCP download reads into one buffer
// used again for every read (runtime `readBufferBytes`: fresh memory per read cost a page fault
// per 4 KiB), so what the writer keeps must be a copy. A UDP transfer's chunks are views into
// received datagrams: while they waited for asynchronous writes, Bun's receiver spent half its
// CPU copying into fresh pages (perf); copied once into memory used again, the datagrams can go
// at once, and that CPU halved. Each slab
// goes to the writer whole once full, and is filled again only when the writer has written it:
// the disk writes one slab while the next fills, and the read side never waits for the writer
// to empty.
import type { FileWriter } from '../../runtime/file-store-types.ts';

export class ChunkCopies {
  private readonly slabs: Uint8Array[] = [];
  /** For each slab, `handed` once its bytes went to the writer: free when that much is written. */
  private readonly slabEnds: number[] = [];
  private slab = 0;
  /** Where the current slab's bytes not yet handed to the writer begin, and where they end. */
  private start = 0;
  private at = 0;
  /** Bytes handed to the writer so far. */
  private handed = 0;
  /** Pending while the current slab is still being written: copies go to fresh memory meanwhile. */
  private slabWritten: Promise<void> | undefined;

  /** @param writer written only through this object, so its pending bytes are ours. */
  constructor(
    private readonly writer: Pick<FileWriter, 'write' | 'drained' | 'pendingBytes'>,
    private readonly slabBytes = 1024 * 1024,
    private readonly slabCount = 3,
  ) {}

  /**
   * A copy of `chunk` (borrowed: valid only now) in the current slab — or, for a chunk that
   * does not fit or one that comes while the slab is still being written, fresh memory handed
   * to the writer at once, after what came before.
   */
  copy(chunk: Uint8Array): Uint8Array {
    if (this.slabWritten || chunk.length > this.slabBytes - this.at) {
      this.handCurrent();
      const fresh = new Uint8Array(chunk); // a Buffer's `slice` is a view, not a copy
      this.writer.write(fresh);
      this.handed += fresh.length;
      return fresh;
    }
    const slab = (this.slabs[this.slab] ??= new Uint8Array(this.slabBytes));
    const copy = slab.subarray(this.at, this.at + chunk.length);
    copy.set(chunk);
    this.at += chunk.length;
    return copy;
  }

  /**
   * Make room for a next chunk of up to `bytes`: when the current slab cannot hold it, it goes to
   * the writer and the next slab is taken — a promise when that slab is still being written
   * (the same promise to every call until it settles; it rejects with the writer's error).
   */
  room(bytes: number): Promise<void> | undefined {
    if (this.slabWritten) return this.slabWritten;
    if (this.slabBytes - this.at >= bytes) return undefined;
    this.handCurrent();
    this.slab = (this.slab + 1) % this.slabCount;
    this.start = 0;
    this.at = 0;
    const end = this.slabEnds[this.slab] ?? 0;
    const written = this.handed - this.writer.pendingBytes;
    if (written >= end) return undefined;
    // Chunks copied fresh while waiting are handed after this mark: it then waits for them too.
    const slabWritten: Promise<void> = this.writer.drained(this.handed - end).finally(() => {
      if (this.slabWritten === slabWritten) this.slabWritten = undefined;
    });
    // The caller awaits it; a caller that has stopped (a failed transfer) must not leave it unhandled.
    slabWritten.catch(() => {});
    this.slabWritten = slabWritten;
    return slabWritten;
  }

  /** The last, partly filled slab goes to the writer. */
  finish(): void {
    this.handCurrent();
  }

  private handCurrent(): void {
    if (this.at === this.start) return;
    this.writer.write(this.slabs[this.slab]!.subarray(this.start, this.at));
    this.handed += this.at - this.start;
    this.slabEnds[this.slab] = this.handed;
    this.start = this.at;
  }
}
