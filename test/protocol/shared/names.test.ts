import { describe, expect, it } from 'vitest';
import { checkGroupName, checkUserName, hasNameCharacters, nameKey } from '../../../src/protocol/shared/names.ts';
import { REPLACEMENT, sanitizeText } from '../../../src/protocol/shared/text-sanitize.ts';

const MAX = 32;

describe('names', () => {
  it('accept up to the maximum length and refuse one more', () => {
    expect(checkUserName('a'.repeat(MAX), MAX)).toBeUndefined();
    expect(checkUserName('a'.repeat(MAX + 1), MAX)).toBe('NAME_INVALID');
    expect(checkUserName('abc', 3)).toBeUndefined();
    expect(checkUserName('abcd', 3)).toBe('NAME_INVALID');
    expect(checkGroupName('g'.repeat(4), 4)).toBeUndefined();
    expect(checkGroupName('g'.repeat(5), 4)).toBe('GROUP_INVALID');
  });

  it.each(['', ' ', 'a b', 'a:b', 'a]b', '[a', '.dot', '-dash', 'é', 'a\tb', 'a\u0000'])('refuse %j', (name) => {
    expect(checkUserName(name, MAX)).toBe('NAME_INVALID');
    expect(checkGroupName(name, MAX)).toBe('GROUP_INVALID');
    expect(hasNameCharacters(name)).toBe(false);
  });

  it.each(['ann', 'A_1', '_x', '9lives', 'a.b-c'])('accept %j', (name) => {
    expect(checkUserName(name, MAX)).toBeUndefined();
    expect(hasNameCharacters(name)).toBe(true);
  });

  it('leave the length to the server when only the characters are checked', () => {
    expect(hasNameCharacters('a'.repeat(200))).toBe(true);
  });

  it('reserve the server’s own names for users, in any case', () => {
    for (const name of ['server', 'Server', 'NETCHAT', 'system']) expect(checkUserName(name, MAX)).toBe('NAME_INVALID');
    expect(checkGroupName('server', MAX)).toBeUndefined();
  });

  it('compare case-insensitively', () => {
    expect(nameKey('AnN')).toBe(nameKey('ann'));
  });
});

describe('sanitizeText', () => {
  it('replaces control, bidi and separator characters, and tabs with spaces', () => {
    expect(sanitizeText('a\tb')).toBe('a b');
    for (const c of ['\u0000', '\u0007', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\u061c', '\u200e', '\u200f']) {
      expect(sanitizeText(`x${c}y`), JSON.stringify(c)).toBe(`x${REPLACEMENT}y`);
    }
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    const text = 'Grüße, 日本, 🎉 — "quotes" [brackets] a: b';
    expect(sanitizeText(text)).toBe(text);
  });
});
