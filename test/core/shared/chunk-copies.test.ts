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

  it('copies what comes while the next slab is still being written into fresh memory, and says to wait until it and those copies are written', async () => {
    const writer = new HandWriter();
    const copies = new ChunkCopies(writer, 4, 2);
    copies.copy(read(1));
    expect(copies.room(4)).toBeUndefined();
    copies.copy(read(2));
    const wait = copies.room(4);
    expect(wait).toBeInstanceOf(Promise);
    // A caller that feeds on anyway (chunks read before it paused): slab 0 is not touched.
    const early = copies.copy(read(3));
    expect(copies.room(4)).toBe(wait);
    read(9);
    expect([...early]).toEqual([3, 3, 3, 3]);
    writer.complete(); // slab 0 written
    writer.complete(); // slab 1: the wait covers it, handed before the fresh copy
    writer.complete(); // the fresh copy
    await wait;
    expect(copies.room(4)).toBeUndefined();
    copies.copy(read(4));
    copies.finish();
    while (writer.queued.length > 0) writer.complete();
    expect(writer.file).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
  });

  it('passes the writer’s failure to whoever waits for a slab, and to no one else', async () => {
    const failing = { pendingBytes: 4, write: () => true, drained: () => Promise.reject(new Error('ENOSPC')) };
    const copies = new ChunkCopies(failing, 4, 1);
    copies.copy(read(1));
    const wait = copies.room(4);
    await expect(wait).rejects.toThrow('ENOSPC');
    // The rejection was handled for a caller that stopped waiting: vitest fails on an unhandled one.
    copies.copy(read(2));
    void copies.room(4);
    await new Promise((resolve) => setImmediate(resolve));
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
