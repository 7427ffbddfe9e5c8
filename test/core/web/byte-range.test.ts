import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseByteRange, sha256HexToBase64 } from '../../../src/core/web/byte-range.ts';

describe('parseByteRange', () => {
  it.each([
    ['bytes=0-', { start: 0, end: 100 }],
    ['bytes=10-19', { start: 10, end: 20 }],
    ['bytes=90-500', { start: 90, end: 100 }],
    ['bytes=-10', { start: 90, end: 100 }],
    ['bytes=-500', { start: 0, end: 100 }],
    ['bytes=99-', { start: 99, end: 100 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=20-10', undefined],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
    ['bytes=-', undefined],
  ])('%s of 100 bytes', (header, expected) => {
    expect(parseByteRange(header, 100)).toEqual(expected);
  });

  it('no header: the whole file', () => {
    expect(parseByteRange(undefined, 100)).toBeUndefined();
  });
});

describe('sha256HexToBase64', () => {
  it.each(['', 'a', 'hello', 'hello, web\n'])('matches node:crypto for %j', (text) => {
    const hash = createHash('sha256').update(text);
    const copy = hash.copy();
    expect(sha256HexToBase64(hash.digest('hex'))).toBe(copy.digest('base64'));
  });
});
