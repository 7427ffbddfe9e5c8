// Copies of borrowed chunks in a ring of slabs: the writer gets whole slabs, in order, and a slab
// is filled again only once the writer has written it; the read side waits only then.
import { describe, expect, it } from 'vitest';
import { ChunkCopies } from '../../../src/core/shared/chunk-copies.ts';

/** A file writer whose writes complete when the test says so, recording what it was given. */
class HandWriter {
  readonly queued: Uint8Array[] = [];
  /** What each write held when it was written (a copy taken then). */
  readonly file: number[] = [];
  private waiters: Array<{ max: number; resolve: () => void }> = [];
  get pendingBytes(): number {
    return this.queued.reduce((sum, chunk) => sum + chunk.length, 0);
  }
  write(chunk: Uint8Array): boolean {
    this.queued.push(chunk);
    return true;
  }
  drained(max = 0): Promise<void> {
    if (this.pendingBytes <= max) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ max, resolve }));
  }
  /** The oldest queued write reaches the disk. */
  complete(): void {
    this.file.push(...this.queued.shift()!);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) (this.pendingBytes <= waiter.max ? waiter.resolve : () => this.waiters.push(waiter))();
  }
}

/** The borrowed read buffer, overwritten by every read. */
const borrowed = new Uint8Array(4);
const read = (value: number, length = 4) => borrowed.subarray(0, length).fill(value);

describe('ChunkCopies', () => {
  it('hands whole slabs in order and reuses a slab only once it is written', async () => {
    const writer = new HandWriter();
    const copies = new ChunkCopies(writer, 8, 2);
    const expected: number[] = [];
    const add = (value: number) => {
      copies.copy(read(value));
      expected.push(...read(value));
      return copies.room(4);
    };
    expect(add(1)).toBeUndefined();
    // Slab 0 full: handed over; slab 1 is free.
    expect(add(2)).toBeUndefined();
    expect(writer.queued.map((chunk) => chunk.length)).toEqual([8]);
    expect(add(3)).toBeUndefined();
    // Slab 1 full and handed; slab 0 is still being written: wait.
    const wait = add(4);
    expect(wait).toBeInstanceOf(Promise);
    let ready = false;
    void wait!.then(() => (ready = true));
    await Promise.resolve();
    expect(ready).toBe(false);
    writer.complete(); // slab 0 written
    await wait;
    expect(add(5)).toBeUndefined();
    copies.finish();
    while (writer.queued.length > 0) writer.complete();
    // What reached the file is every read, in order, unchanged by the reuse.
    expect(writer.file).toEqual(expected);
  });

  it('hands a partly filled slab before a chunk too large for what is left, and copies that one fresh', () => {
    const writer = new HandWriter();
    const copies = new ChunkCopies(writer, 6, 2);
    copies.copy(read(1, 4));
    const large = new Uint8Array(7).fill(2);
    const fresh = copies.copy(large);
    large.fill(9);
    expect([...fresh]).toEqual([2, 2, 2, 2, 2, 2, 2]);
    copies.copy(read(3, 2)); // fits after the handed part of slab 0
    copies.finish();
    while (writer.queued.length > 0) writer.complete();
    expect(writer.file).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3]);
  });
});
