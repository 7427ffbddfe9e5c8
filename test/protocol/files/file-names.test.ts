import { describe, expect, it } from 'vitest';
import { checkFileName, MAX_FILE_NAME_BYTES, numberedName } from '../../../src/protocol/files/file-names.ts';
import { formatSize } from '../../../src/protocol/files/file-sizes.ts';

describe('checkFileName', () => {
  it.each(['report.csv', 'a', 'Résumé 2026.pdf', 'report (1).csv', 'x'.repeat(MAX_FILE_NAME_BYTES), 'ünïcødé ☃.txt', 'icon.txt', 'console.log'])(
    'accepts %j',
    (name) => expect(checkFileName(name)).toBeUndefined(),
  );

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['hidden', '.env'],
    ['partial upload', '.netchat-upload-1.part'],
    ['parent traversal', '../etc/passwd'],
    ['absolute', '/etc/passwd'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['windows absolute', 'C:\\Windows'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['escape', 'a\u001b[2Jb'],
    ['DEL', 'a\u007fb'],
    ['C1', 'a\u009bb'],
    ['bidi override', 'evil\u202Etxt.exe'],
    ['line separator', 'a\u2028b'],
    ['right-to-left mark', 'invoice\u200Fcod.exe'],
    ['left-to-right mark', 'a\u200Eb'],
    ['arabic letter mark', 'a\u061Cb'],
    ['device', 'CON'],
    ['device with extension', 'nul.txt'],
    ['device any case', 'Com1.log'],
    ['device lpt', 'LPT9'],
    ['device with two extensions', 'con.txt.bak'],
    ['trailing dot', 'name.'],
    ['trailing space', 'name '],
    ['leading space', ' name'],
    ['windows forbidden', 'a:b'],
    ['wildcard', 'a*b'],
    ['one byte past the limit', 'x'.repeat(MAX_FILE_NAME_BYTES + 1)],
    ['multibyte past the limit', 'é'.repeat(128)],
  ])('refuses %s', (_label, name) => expect(checkFileName(name)).toBe('FILE_NAME_INVALID'));
});

describe('numberedName', () => {
  it.each([
    ['report.csv', 1, 'report (1).csv'],
    ['report.csv', 12, 'report (12).csv'],
    ['notes', 1, 'notes (1)'],
    ['backup.tar.gz', 2, 'backup (2).tar.gz'],
    ['my.report.v2.csv', 1, 'my.report.v2 (1).csv'],
  ])('%s #%i → %s', (name, n, expected) => expect(numberedName(name, n)).toBe(expected));

  it('keeps a long name within the limit, extension and number intact', () => {
    const long = `${'x'.repeat(MAX_FILE_NAME_BYTES - 4)}.csv`;
    const numbered = numberedName(long, 3);
    expect(new TextEncoder().encode(numbered).length).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(numbered.endsWith(' (3).csv')).toBe(true);
    expect(checkFileName(numbered)).toBeUndefined();
  });

  it('shortens a long extension too when the stem has nothing left to give', () => {
    const long = `a.${'b'.repeat(MAX_FILE_NAME_BYTES - 2)}`;
    expect(checkFileName(long)).toBeUndefined();
    for (const n of [1, 999]) {
      const numbered = numberedName(long, n);
      expect(new TextEncoder().encode(numbered).length).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
      expect(numbered.startsWith(`a (${n}).bbb`)).toBe(true);
      expect(checkFileName(numbered)).toBeUndefined();
    }
    // Multibyte characters are cut whole, and a cut that ends in a dot loses it.
    const accented = `é.${'é'.repeat(126)}`;
    const numbered = numberedName(accented, 7);
    expect(new TextEncoder().encode(numbered).length).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(numbered).not.toContain('\uFFFD');
    expect(checkFileName(numbered)).toBeUndefined();
    expect(checkFileName(numberedName(`a.${'.'.repeat(10)}${'b'.repeat(MAX_FILE_NAME_BYTES - 12)}`, 1))).toBeUndefined();
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1_000_000, '1.0 MB'],
    [1_536_000, '1.5 MB'],
    [123_456_789, '123 MB'],
    [999_999_999, '1.0 GB'],
    [2 ** 31, '2.1 GB'],
  ])('%i → %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));
});
