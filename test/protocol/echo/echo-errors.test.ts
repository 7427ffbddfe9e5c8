import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ECHO_ERROR_CODES, echoErrorLine, type EchoErrorCode } from '../../../src/protocol/echo/echo-errors.ts';

const CODES = Object.keys(ECHO_ERROR_CODES) as EchoErrorCode[];

/** The codes in the first column of the error table of PROTOCOL.md's "Echo" part. */
function documentedCodes(): string[] {
  const protocol = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const echo = protocol.slice(protocol.indexOf('\n## Echo'));
  const errors = echo.slice(echo.indexOf('\n### Error lines'));
  const table = errors.slice(0, errors.indexOf('\n###', 1));
  return [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]!);
}

describe('echo error codes', () => {
  it('are exactly the ones docs/PROTOCOL.md lists for echo', () => {
    expect(documentedCodes().sort()).toEqual([...CODES].sort());
  });

  it.each(CODES)('%s makes one line: ERROR, the code, the text, LF', (code) => {
    expect(echoErrorLine(code, 'why it happened')).toBe(`ERROR ${code} why it happened\n`);
  });

  it('keeps the text on its one line', () => {
    expect(echoErrorLine('LINE_TOO_LONG', 'a\nb\rc')).toBe('ERROR LINE_TOO_LONG a\uFFFDb\uFFFDc\n');
  });
});
