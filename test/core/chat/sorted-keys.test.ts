import { describe, expect, it } from 'vitest';
import { SortedKeys } from '../../../src/core/chat/sorted-keys.ts';

function keysOf(...keys: string[]): SortedKeys {
  const sorted = new SortedKeys();
  for (const key of keys) sorted.add(key);
  return sorted;
}

describe('SortedKeys', () => {
  it('keeps keys sorted and unique, whatever order they come in', () => {
    const sorted = keysOf('m', 'b', 'z', 'b', 'a1', 'a');
    expect(sorted.size).toBe(5);
    expect(sorted.page(undefined, 10)).toEqual({ keys: ['a', 'a1', 'b', 'm', 'z'], more: false });
  });

  it('pages: up to the limit, then what follows a key', () => {
    const sorted = keysOf('a', 'b', 'c', 'd');
    expect(sorted.page(undefined, 4)).toEqual({ keys: ['a', 'b', 'c', 'd'], more: false });
    expect(sorted.page(undefined, 3)).toEqual({ keys: ['a', 'b', 'c'], more: true });
    expect(sorted.page('c', 3)).toEqual({ keys: ['d'], more: false });
    expect(sorted.page('d', 3)).toEqual({ keys: [], more: false });
  });

  it('continues after a key that is not there (any more)', () => {
    const sorted = keysOf('a', 'c', 'e');
    expect(sorted.page('b', 1)).toEqual({ keys: ['c'], more: true });
    expect(sorted.page('0', 5)).toEqual({ keys: ['a', 'c', 'e'], more: false });
    expect(sorted.page('zzz', 5)).toEqual({ keys: [], more: false });
  });

  it('deletes, and ignores a key it does not have', () => {
    const sorted = keysOf('a', 'b', 'c');
    sorted.delete('b');
    sorted.delete('x');
    expect(sorted.page(undefined, 5).keys).toEqual(['a', 'c']);
    sorted.clear();
    expect(sorted.size).toBe(0);
  });

  it('agrees with a plain sort over many keys', () => {
    const all = Array.from({ length: 2000 }, (_, i) => `k${(i * 7919) % 2000}`);
    const sorted = keysOf(...all);
    const expected = [...new Set(all)].sort();
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = sorted.page(after, 97);
      walked.push(...page.keys);
      if (!page.more) break;
      after = page.keys.at(-1);
    }
    expect(walked).toEqual(expected);
  });
});
