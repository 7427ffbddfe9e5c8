// Copies of borrowed chunks: each copy keeps its bytes while later ones are made, slabs are used
// again only after `reset`, and past the last slab a copy is fresh memory.
import { describe, expect, it } from 'vitest';
import { ChunkCopies } from '../../../src/core/files-client/chunk-copies.ts';

describe('ChunkCopies', () => {
  it('keeps every copy intact until reset, then uses the same memory again', () => {
    const copies = new ChunkCopies(10, 2);
    const source = new Uint8Array(6);
    const made: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      source.fill(i + 1); // the borrowed buffer is overwritten by every read
      made.push(copies.copy(source));
    }
    expect(made.map((copy) => [...copy])).toEqual([[1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2], [3, 3, 3, 3, 3, 3]]);
    // Two slabs of 10 held two copies of 6; the third is fresh memory.
    expect(made[0]!.buffer).not.toBe(made[1]!.buffer);
    expect(made[2]!.buffer).not.toBe(made[0]!.buffer);
    expect(made[2]!.buffer).not.toBe(made[1]!.buffer);
    expect(copies.hasRoom(6)).toBe(false);
    copies.reset();
    expect(copies.hasRoom(6)).toBe(true);
    source.fill(9);
    const again = copies.copy(source);
    expect(again.buffer).toBe(made[0]!.buffer);
    expect([...again]).toEqual([9, 9, 9, 9, 9, 9]);
  });

  it('fills a slab to its last byte, and copies a chunk larger than a slab to fresh memory', () => {
    const copies = new ChunkCopies(8, 2);
    const first = copies.copy(new Uint8Array(5).fill(1));
    const second = copies.copy(new Uint8Array(3).fill(2));
    expect(second.buffer).toBe(first.buffer);
    expect(copies.copy(new Uint8Array(9).fill(3)).buffer).not.toBe(first.buffer);
    expect([...first, ...second]).toEqual([1, 1, 1, 1, 1, 2, 2, 2]);
  });
});
