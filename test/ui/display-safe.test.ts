import { describe, expect, it } from 'vitest';
import { displayLogger, displaySafe, displayText, jsonLine } from '../../src/ui/display-safe.ts';

const FFFD = '\uFFFD';
/** Everything a terminal could take as a command, or that reorders or rewrites what it shows. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('displayText', () => {
  it.each([
    ['OSC 0 (window title)', '\u001b]0;pwned\u0007', `${FFFD}]0;pwned${FFFD}`],
    ['OSC 52 (clipboard write)', '\u001b]52;c;ZXZpbA==\u001b\\', `${FFFD}]52;c;ZXZpbA==${FFFD}\\`],
    ['CSI (clear screen, cursor home)', '\u001b[2J\u001b[H', `${FFFD}[2J${FFFD}[H`],
    ['CR (overwrite the line)', 'safe\rEVIL', `safe${FFFD}EVIL`],
    ['NUL', 'a\u0000b', `a${FFFD}b`],
    ['BEL, BS, VT, FF', '\u0007\b\u000b\f', FFFD.repeat(4)],
    ['LF inside a field', 'a\nb', `a${FFFD}b`],
    ['DEL', 'a\u007fb', `a${FFFD}b`],
    ['C1 controls (CSI, OSC, ST as single code points)', '\u009b2J\u009d0;x\u009c\u0080\u009f', `${FFFD}2J${FFFD}0;x${FFFD}${FFFD}${FFFD}`],
    ['bidi overrides and embeddings', '\u202ab\u202bc\u202cd\u202de\u202ef', `${FFFD}b${FFFD}c${FFFD}d${FFFD}e${FFFD}f`],
    ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', `${FFFD}a${FFFD}b${FFFD}c${FFFD}`],
    ['bidi marks', '\u200ea\u200fb\u061cc', `${FFFD}a${FFFD}b${FFFD}c`],
    ['line and paragraph separators', 'a\u2028b\u2029c', `a${FFFD}b${FFFD}c`],
  ])('makes %s visible and harmless', (_, text, expected) => {
    expect(displayText(text)).toBe(expected);
    expect(displayText(text)).not.toMatch(UNSAFE);
  });

  it('turns tabs into spaces', () => {
    expect(displayText('a\tb')).toBe('a b');
  });

  it('leaves every other character as it is', () => {
    const text = 'héllo wörld ✓ 你好 Привет שלום مرحبا 👩‍👩‍👧 e\u0301 \u00a0 \u200b \u200d «»';
    expect(displayText(text)).toBe(text);
  });

  it('replaces every code point in the control and bidi-control ranges, and nothing next to them', () => {
    for (let code = 0; code <= 0x2070; code++) {
      const char = String.fromCharCode(code);
      const expected = char === '\t' ? ' ' : UNSAFE.test(char) ? FFFD : char;
      expect(displayText(char), `U+${code.toString(16).padStart(4, '0')}`).toBe(expected);
    }
  });
});

describe('displaySafe', () => {
  it('makes every string in an event safe, keys and nested arrays and objects included', () => {
    const event = {
      type: 'limits',
      limits: { 'max-line-bytes': 4096, '\u001b]0;x\u0007': 1 },
      names: ['ok', 'b\rad'],
      groups: [{ name: '\u202eteam', members: 2 }],
      flag: true,
      missing: undefined,
    };
    expect(displaySafe(event)).toEqual({
      type: 'limits',
      limits: { 'max-line-bytes': 4096, [`${FFFD}]0;x${FFFD}`]: 1 },
      names: ['ok', `b${FFFD}ad`],
      groups: [{ name: `${FFFD}team`, members: 2 }],
      flag: true,
      missing: undefined,
    });
  });

  it('returns the very same value when nothing needed replacing', () => {
    const event = { type: 'broadcast', from: 'bob', text: 'hi ✓', nested: { list: ['a'] } };
    expect(displaySafe(event)).toBe(event);
  });
});

describe('jsonLine', () => {
  it('keeps every value exact while no unsafe character reaches the output raw', () => {
    const value = { text: '\u001b]0;t\u0007 \u009b2J \u202eevil \u2028 \u007f \u0000 \r ✓ 你好', list: ['\u2066x'] };
    const line = jsonLine(value);
    expect(line).not.toMatch(UNSAFE);
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe('displayLogger', () => {
  it('makes every message safe before it reaches the log', () => {
    const seen: string[] = [];
    const log = (level: string) => (message: string) => seen.push(`${level} ${message}`);
    const logger = displayLogger({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') });
    logger.error('disconnected: FLOOD \u001b[2J');
    logger.warn('\u009b31m');
    logger.info('a\rb');
    logger.debug('\u202e');
    expect(seen).toEqual([`error disconnected: FLOOD ${FFFD}[2J`, `warn ${FFFD}31m`, `info a${FFFD}b`, `debug ${FFFD}`]);
  });
});
