// Copies of borrowed download chunks, for a file writer that keeps them until they are written.
// A download reads into one buffer used again for every read (runtime `readBufferBytes`: fresh
// memory per 64 KiB read cost a page fault per 4 KiB, three times the CPU of the whole client),
// so what goes to the writer is copied — into a few slabs used over and over: once the writer
// holds nothing, every copy made before is free again.

export class ChunkCopies {
  private readonly slabs: Uint8Array[] = [];
  private slab = 0;
  private at = 0;

  /** @param slabBytes a slab's size; @param maxSlabs past these, `copy` says there is no room. */
  constructor(
    private readonly slabBytes = 1024 * 1024,
    private readonly maxSlabs = 3,
  ) {}

  /** The writer holds none of the copies any more: all the slabs are free. */
  reset(): void {
    this.slab = 0;
    this.at = 0;
  }

  /**
   * A copy of `chunk` in a slab, or a fresh one when the slabs are full (then wait for the writer
   * and `reset`). Fresh copies are `new Uint8Array(chunk)`: a Buffer's `slice` is a view, not a copy.
   */
  copy(chunk: Uint8Array): Uint8Array {
    if (chunk.length > this.slabBytes) return new Uint8Array(chunk);
    if (this.at + chunk.length > this.slabBytes) {
      if (this.slab + 1 >= this.maxSlabs) return new Uint8Array(chunk);
      this.slab += 1;
      this.at = 0;
    }
    const slab = (this.slabs[this.slab] ??= new Uint8Array(this.slabBytes));
    const copy = slab.subarray(this.at, this.at + chunk.length);
    copy.set(chunk);
    this.at += chunk.length;
    return copy;
  }

  /** Whether the next chunk of up to `bytes` still fits without a fresh copy. */
  hasRoom(bytes: number): boolean {
    return this.at + bytes <= this.slabBytes || this.slab + 1 < this.maxSlabs;
  }
}
