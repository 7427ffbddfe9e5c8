import { describe, expect, it } from 'vitest';
import { FolderIndex, mergeSorted, sortResting } from '../../../src/core/files/folder-index.ts';

const file = (name: string, size = 1, mtimeMs = 1000) => ({ name, size, mtimeMs });
const names = (index: FolderIndex) => index.page(undefined, 1_000_000).entries.map((entry) => entry.name);
const noRest = () => Promise.resolve();

async function rescan(index: FolderIndex, files: Array<ReturnType<typeof file>>, during?: () => void): Promise<void> {
  index.startRescan();
  for (const listing of files) index.found(listing);
  during?.();
  await index.finish();
}

describe('FolderIndex', () => {
  it('lists what a rescan found, sorted, and forgets what the next one did not find', async () => {
    const index = new FolderIndex(noRest);
    await rescan(index, [file('b'), file('a'), file('c')]);
    expect(names(index)).toEqual(['a', 'b', 'c']);
    await rescan(index, [file('c'), file('d'), file('a')]);
    expect(names(index)).toEqual(['a', 'c', 'd']);
    expect(index.size).toBe(3);
  });

  it('keeps an unchanged entry and takes a changed one', async () => {
    const index = new FolderIndex(noRest);
    await rescan(index, [file('a', 1), file('b', 1)]);
    const before = index.page(undefined, 10).entries;
    await rescan(index, [file('a', 1), file('b', 2)]);
    const after = index.page(undefined, 10).entries;
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toMatchObject({ name: 'b', size: 2 });
  });

  it('lists new names only once the rescan is over', async () => {
    const index = new FolderIndex(noRest);
    index.startRescan();
    index.found(file('a'));
    expect(names(index)).toEqual([]);
    await index.finish();
    expect(names(index)).toEqual(['a']);
  });

  it('keeps a file stored during a rescan that did not see it, and drops one deleted meanwhile', async () => {
    const index = new FolderIndex(noRest);
    await rescan(index, [file('a'), file('gone')]);
    await rescan(index, [file('a'), file('gone'), file('new')], () => {
      index.set(file('stored'));
      index.delete('gone');
      index.delete('new');
    });
    expect(names(index)).toEqual(['a', 'stored']);
  });

  it('lists a name once when it is stored while a rescan found it too', async () => {
    const index = new FolderIndex(noRest);
    await rescan(index, [file('x'), file('both')], () => {
      index.delete('both');
      index.set(file('both', 5));
    });
    expect(names(index)).toEqual(['both', 'x']);
    expect(index.size).toBe(2);
  });

  it('pages after a cursor and says where to continue', async () => {
    const index = new FolderIndex(noRest);
    await rescan(index, ['f0', 'f1', 'f2', 'f3', 'f4'].map((name) => file(name)));
    expect(index.page(undefined, 2)).toMatchObject({ total: 5, continueAfter: 'f1' });
    expect(index.page('f1', 2).entries.map((entry) => entry.name)).toEqual(['f2', 'f3']);
    expect(index.page('f3', 2).continueAfter).toBeUndefined();
    expect(index.page('f15', 2).entries.map((entry) => entry.name)).toEqual(['f2', 'f3']);
  });
});

describe('sortResting', () => {
  it('sorts in code-unit order exactly as Array#sort does, resting between slices', async () => {
    const input = Array.from({ length: 20_000 }, (_, i) => `n${(i * 7919) % 20_000}-\u00e9${i % 3 ? 'Z' : 'a'}`);
    let rests = 0;
    const sorted = await sortResting(input.slice(), async () => {
      rests++;
    });
    expect(sorted).toEqual(input.slice().sort());
    expect(rests).toBeGreaterThan(4);
  });

  it('sorts a small list in one go', async () => {
    let rests = 0;
    expect(await sortResting(['b', 'a'], async () => void rests++)).toEqual(['a', 'b']);
    expect(rests).toBe(0);
  });
});

describe('mergeSorted', () => {
  it('merges two sorted lists, keeping a name found in both once', () => {
    expect(mergeSorted(['a', 'c', 'e'], ['b', 'c', 'f'])).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(mergeSorted([], ['a'])).toEqual(['a']);
    expect(mergeSorted(['a'], [])).toEqual(['a']);
  });
});
