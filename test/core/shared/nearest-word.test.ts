import { describe, expect, it } from 'vitest';
import { editDistance, nearestWord } from '../../../src/core/shared/nearest-word.ts';

describe('nearestWord', () => {
  it('suggests the nearest word within the distance, the first on a tie', () => {
    expect(nearestWord('jsn', ['json', 'jason'], 1)).toBe('json');
    expect(nearestWord('msq', ['msg', 'msx'], 1)).toBe('msg');
    expect(nearestWord('serv', ['serve', 'server'], 2)).toBe('serve');
  });
  it('suggests nothing past the distance, and never a one-letter word', () => {
    expect(nearestWord('json', ['jsonlines'], 2)).toBeUndefined();
    expect(nearestWord('q', ['q', 'p'], 1)).toBeUndefined();
  });
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
