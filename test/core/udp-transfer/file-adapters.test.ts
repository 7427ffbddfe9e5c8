import { describe, expect, it } from 'vitest';
import { readerSource, writerSink } from '../../../src/core/udp-transfer/file-adapters.ts';
import { MemoryFileStore } from '../../helpers/memory-file-store.ts';

const bytes = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);

describe('readerSource', () => {
  it('reads the range in the sizes asked for, whatever size the reader yields', async () => {
    const store = new MemoryFileStore();
    store.writeFile('/f', bytes(10_000));
    const source = readerSource(await store.openRead('/f'), { start: 1000, end: 10_000 });
    const pieces: number[] = [];
    const all: number[] = [];
    for (;;) {
      const piece = await source.read(3000);
      if (piece.length === 0) break;
      pieces.push(piece.length);
      all.push(...piece);
    }
    await source.close();
    expect(pieces).toEqual([3000, 3000, 3000]);
    expect(all).toEqual([...bytes(10_000).subarray(1000)]);
  });

  it('fails when the file is shorter than the transfer announced', async () => {
    const store = new MemoryFileStore();
    store.writeFile('/f', bytes(5000));
    const source = readerSource(await store.openRead('/f'), { start: 0, end: 8000 });
    await expect(source.read(4000)).resolves.toHaveLength(4000);
    await expect(source.read(4000)).rejects.toMatchObject({ code: 'FILE_SHORT_READ' });
  });
});

describe('writerSink', () => {
  it('appends in order, waits when the writer is full, and places the file on commit', async () => {
    const store = new MemoryFileStore();
    await store.makeDirectory('/d');
    store.writeFile('/d/.f.part', bytes(100));
    const writer = await store.openWrite('/d/.f.part', { mode: 'append', highWaterMark: 1000 });
    const sink = writerSink(writer, { place: () => store.renameNoReplace('/d/.f.part', '/d/f') });
    const data = bytes(5000).subarray(100);
    for (let at = 0; at < data.length; at += 700) await sink.append([data.subarray(at, at + 300), data.subarray(at + 300, at + 700)]);
    expect(writer.pendingBytes).toBeLessThanOrEqual(1000 + 700);
    await sink.commit();
    expect([...store.readFile('/d/f')]).toEqual([...bytes(5000)]);
    await expect(store.lstat('/d/.f.part')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('removes the partial file on discard and keeps it on close', async () => {
    const store = new MemoryFileStore();
    for (const [name, end] of [
      ['/a.part', 'discard'],
      ['/b.part', 'close'],
    ] as const) {
      const sink = writerSink(await store.openWrite(name, { mode: 'create' }));
      await sink.append([bytes(10)]);
      await sink[end]();
    }
    await expect(store.lstat('/a.part')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(store.readFile('/b.part')).toHaveLength(10);
  });

  it('opens its writer on the first bytes, and a discard before them removes what the caller names', async () => {
    const store = new MemoryFileStore();
    let opens = 0;
    const sink = writerSink(
      () => {
        opens++;
        return store.openWrite('/late.part', { mode: 'create' });
      },
      { removeUnopened: () => store.remove('/late.part') },
    );
    expect(opens).toBe(0);
    await sink.append([bytes(3000).subarray(0, 1500), bytes(3000).subarray(1500)]);
    await sink.commit();
    expect(opens).toBe(1);
    expect([...store.readFile('/late.part')]).toEqual([...bytes(3000)]);

    store.writeFile('/never.part', bytes(1));
    const unopened = writerSink(() => store.openWrite('/never.part', { mode: 'append' }), { removeUnopened: () => store.remove('/never.part') });
    await unopened.discard();
    await expect(store.lstat('/never.part')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
