import { describe, expect, it } from 'vitest';
import { formatFingerprint, parseFingerprint } from '../../../src/protocol/tls/fingerprint.ts';

const HEX = 'ab'.repeat(32);

describe('fingerprints', () => {
  it('formats with the sha256: prefix in lowercase', () => {
    expect(formatFingerprint(HEX.toUpperCase())).toBe(`sha256:${HEX}`);
  });

  it.each([
    [`sha256:${HEX}`],
    [`SHA256:${HEX.toUpperCase()}`],
    [HEX],
    [`sha256:${'AB:'.repeat(31)}AB`],
    [`sha256 Fingerprint=${'AB:'.repeat(31)}AB`],
    [`  ${HEX}\n`],
  ])('reads %j', (text) => {
    expect(parseFingerprint(text)).toBe(HEX);
  });

  it.each([[''], ['sha256:'], [HEX.slice(0, 62)], [`${HEX}00`], [`sha1:${HEX}`], [`${'AB:'.repeat(32)}`], [HEX.replace('a', 'g')]])('refuses %j', (text) => {
    expect(parseFingerprint(text)).toBeUndefined();
  });
});
