// Splitting a long message: every part fits, the parts join back to the text, and no cut falls
// inside a character, at every limit from the smallest up.
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../src/core/chat-client/message-split.ts';

const bytes = (text: string) => new TextEncoder().encode(text).length;

describe('splitMessage', () => {
  it('keeps a message of exactly maxBytes whole and cuts one byte more in two', () => {
    expect(splitMessage('a'.repeat(10), 10)).toEqual(['a'.repeat(10)]);
    expect(splitMessage('a'.repeat(11), 10)).toEqual(['a'.repeat(10), 'a']);
  });

  it('cuts after a space in the second half of a part, not inside a word', () => {
    expect(splitMessage('hello wonderful world', 12)).toEqual(['hello ', 'wonderful ', 'world']);
    // A space too early would leave a part mostly empty: cut inside the word instead.
    expect(splitMessage('a bcdefghijklmnop', 8)).toEqual(['a bcdefg', 'hijklmno', 'p']);
  });

  const texts = [
    'plain ascii text with some words in it, long enough to be cut more than once',
    'ünïcödé ✓ — 日本語のテキスト — 👍🏽👩‍👩‍👧 e\u0301 and more 🎉🎉🎉',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'.repeat(5),
  ];
  it.each(texts)('parts of %j fit, join back, and are valid text at every limit', (text) => {
    for (let max = 4; max <= bytes(text) + 1; max++) {
      const parts = splitMessage(text, max);
      expect(parts.join('')).toBe(text);
      for (const part of parts) {
        expect(bytes(part)).toBeLessThanOrEqual(max);
        expect(part).not.toBe('');
        // A lone surrogate would have been cut out of a pair.
        expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      }
    }
  });

  it('never separates a skin tone from its emoji when the grapheme fits', () => {
    const parts = splitMessage('ab👍🏽', 9);
    expect(parts).toEqual(['ab', '👍🏽']);
  });

  it('refuses a limit that no character fits', () => {
    expect(() => splitMessage('abc', 3)).toThrow(RangeError);
  });
});
