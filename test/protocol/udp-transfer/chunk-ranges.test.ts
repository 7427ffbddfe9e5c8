import { describe, expect, it } from 'vitest';
import { chunkRangeTextLength, formatChunkRanges, parseChunkRanges } from '../../../src/protocol/udp-transfer/chunk-ranges.ts';

describe('missing-chunk ranges', () => {
  const ranges = [
    { start: 1000, end: 1003 },
    { start: 1017, end: 1018 },
    { start: 1040, end: 1042 },
  ];

  it('are offsets from next: single chunks and inclusive pairs', () => {
    expect(formatChunkRanges(1000, ranges)).toBe('0-2,17,40-41');
    expect(parseChunkRanges('0-2,17,40-41', 1000)).toEqual(ranges);
  });

  it('are empty as an empty text', () => {
    expect(formatChunkRanges(5, [])).toBe('');
    expect(parseChunkRanges('', 5)).toEqual([]);
  });

  it('predict their text length range by range', () => {
    let length = 0;
    ranges.forEach((range, i) => (length += chunkRangeTextLength(1000, range, i === 0)));
    expect(length).toBe('0-2,17,40-41'.length);
  });

  it.each(['1-0', '5,3', '0-4,4', '0-2,2-3', 'a', '1-', '-1', '1,,2', ',1', '1,', '0x1', ' 1', '1 ', '1-2-3', '12345678901'])(
    'rejects %j',
    (text) => {
      expect(parseChunkRanges(text, 0)).toBeNull();
    },
  );

  it('accepts ranges that touch (they still describe the same chunks)', () => {
    expect(parseChunkRanges('0-2,3', 10)).toEqual([
      { start: 10, end: 13 },
      { start: 13, end: 14 },
    ]);
  });
});
