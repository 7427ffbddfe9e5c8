import { describe, expect, it } from 'vitest';
import { LineDecoder, type LineDecoderLimits } from '../../../src/protocol/shared/line-decoder.ts';

type Out = string | { overlong: number } | 'overflow';

function decode(chunks: Uint8Array[], limits: LineDecoderLimits = { maxLineBytes: 64, maxUnterminatedBytes: 128 }): Out[] {
  const decoder = new LineDecoder(limits);
  const out: Out[] = [];
  const sink = { line: (text: string) => out.push(text), overlong: (bytes: number) => out.push({ overlong: bytes }) };
  for (const chunk of chunks) {
    if (decoder.push(chunk, sink) === 'unterminated-overflow') {
      out.push('overflow');
      break;
    }
  }
  return out;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const whole = (text: string) => decode([bytes(text)]);

describe('LineDecoder', () => {
  it('splits on LF and drops one CR before it', () => {
    expect(whole('a\nb\r\n\r\nc\r\r\n\n')).toEqual(['a', 'b', '', 'c\r', '']);
  });

  it('holds an unterminated tail until its LF arrives', () => {
    const decoder = new LineDecoder({ maxLineBytes: 64, maxUnterminatedBytes: 128 });
    const out: string[] = [];
    const sink = { line: (t: string) => out.push(t), overlong: () => {} };
    decoder.push(bytes('one\ntw'), sink);
    expect(out).toEqual(['one']);
    expect(decoder.pendingBytes).toBe(2);
    decoder.push(bytes('o\n'), sink);
    expect(out).toEqual(['one', 'two']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('takes the bytes after the last LF as one more line when the stream ends, under the same limits', () => {
    const decoder = new LineDecoder({ maxLineBytes: 8, maxUnterminatedBytes: 128 });
    const out: Out[] = [];
    const sink = { line: (t: string) => out.push(t), overlong: (n: number) => out.push({ overlong: n }) };
    decoder.push(bytes('one\ntwo\r'), sink);
    expect(decoder.end(sink)).toBe('ok');
    expect(out).toEqual(['one', 'two']);
    expect(decoder.end(sink)).toBe('ok');
    decoder.push(bytes('much too long'), sink);
    decoder.end(sink);
    expect(out).toEqual(['one', 'two', { overlong: 13 }]);
  });

  const script = 'héllo wörld\r\n日本語 🎉\n\r\nplain\n' + 'x'.repeat(64) + '\r\n' + 'y'.repeat(65) + '\nend\r\n';
  const expected: Out[] = ['héllo wörld', '日本語 🎉', '', 'plain', 'x'.repeat(64), { overlong: 65 }, 'end'];

  it('gives the same lines for the input split at every offset and fed one byte at a time', () => {
    const all = bytes(script);
    expect(decode([all])).toEqual(expected);
    for (let offset = 0; offset <= all.length; offset++) {
      expect(decode([all.subarray(0, offset), all.subarray(offset)]), `offset ${offset}`).toEqual(expected);
    }
    expect(decode([...all].map((b) => new Uint8Array([b])))).toEqual(expected);
  });

  it('does not let a later chunk change a held fragment (fragments are copied)', () => {
    const decoder = new LineDecoder({ maxLineBytes: 64, maxUnterminatedBytes: 128 });
    const out: string[] = [];
    const sink = { line: (t: string) => out.push(t), overlong: () => {} };
    const buffer = bytes('abc');
    decoder.push(buffer, sink);
    buffer.set(bytes('XYZ'));
    decoder.push(bytes('\n'), sink);
    expect(out).toEqual(['abc']);
  });

  it('accepts a line of exactly maxLineBytes, with or without CR, and drops one byte more', () => {
    const limits = { maxLineBytes: 8, maxUnterminatedBytes: 64 };
    for (const split of [false, true]) {
      const feed = (text: string) => (split ? [...bytes(text)].map((b) => new Uint8Array([b])) : [bytes(text)]);
      expect(decode(feed('12345678\n'), limits)).toEqual(['12345678']);
      expect(decode(feed('12345678\r\n'), limits)).toEqual(['12345678']);
      expect(decode(feed('123456789\n'), limits)).toEqual([{ overlong: 9 }]);
      expect(decode(feed('123456789\r\n'), limits)).toEqual([{ overlong: 9 }]);
      expect(decode(feed('1234567\r\r\n'), limits)).toEqual(['1234567\r']);
    }
  });

  it('counts the length of an over-long line in full and carries on after it', () => {
    expect(decode([bytes('z'.repeat(100)), bytes('z'.repeat(20) + '\nnext\n')], { maxLineBytes: 10, maxUnterminatedBytes: 200 })).toEqual([
      { overlong: 120 },
      'next',
    ]);
  });

  it('allows maxUnterminatedBytes without LF and reports overflow one byte past it', () => {
    const limits = { maxLineBytes: 8, maxUnterminatedBytes: 32 };
    expect(decode([bytes('a'.repeat(32))], limits)).toEqual([]);
    expect(decode([bytes('a'.repeat(33))], limits)).toEqual(['overflow']);
    expect(decode([bytes('a'.repeat(16)), bytes('a'.repeat(16)), bytes('a')], limits)).toEqual(['overflow']);
    expect(decode([bytes('a'.repeat(32) + '\n' + 'b'.repeat(32))], limits)).toEqual([{ overlong: 32 }]);
  });

  it('turns invalid UTF-8 into U+FFFD and keeps a character split across chunks whole', () => {
    expect(decode([new Uint8Array([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a])])).toEqual(['a\uFFFD\uFFFD(\uFFFD\uFFFD\uFFFD']);
    const snowman = bytes('☃\n');
    expect(decode([snowman.subarray(0, 1), snowman.subarray(1, 2), snowman.subarray(2)])).toEqual(['☃']);
  });

  it('keeps a leading BOM as a character', () => {
    expect(whole('\uFEFFhi\n')).toEqual(['\uFEFFhi']);
  });
});

describe('LineDecoder stopping after a line', () => {
  /** Feed chunks, stopping framing after the line `stopAfter`; returns the lines and the raw bytes after it. */
  function decodeUntil(chunks: Uint8Array[], stopAfter: string) {
    const decoder = new LineDecoder({ maxLineBytes: 64, maxUnterminatedBytes: 128 });
    const lines: string[] = [];
    const raw: number[] = [];
    const sink = {
      framingStopped: false,
      line(text: string) {
        lines.push(text);
        if (text === stopAfter) this.framingStopped = true;
      },
      overlong: () => {},
    };
    for (const chunk of chunks) {
      if (sink.framingStopped) {
        raw.push(...chunk);
        continue;
      }
      const result = decoder.push(chunk, sink);
      if (typeof result === 'object') raw.push(...result.rest);
    }
    return { lines, raw: new Uint8Array(raw), pending: decoder.pendingBytes };
  }

  // Raw bytes after the command line: CR LF, invalid UTF-8 and a NUL must come back untouched.
  const body = new Uint8Array([0x61, 0x0d, 0x0a, 0xff, 0xc3, 0x00, 0x0a, 0x62]);
  const input = new Uint8Array([...bytes('before\r\nUPLOAD x\r\n'), ...body]);

  it('hands back the rest of the chunk, unread, and frames nothing after the stop', () => {
    const { lines, raw, pending } = decodeUntil([input], 'UPLOAD x');
    expect(lines).toEqual(['before', 'UPLOAD x']);
    expect(raw).toEqual(body);
    expect(pending).toBe(0);
  });

  it('gives the same lines and raw bytes for the input split at every offset', () => {
    for (let offset = 0; offset <= input.length; offset++) {
      const got = decodeUntil([input.subarray(0, offset), input.subarray(offset)], 'UPLOAD x');
      expect(got.lines, `offset ${offset}`).toEqual(['before', 'UPLOAD x']);
      expect(got.raw, `offset ${offset}`).toEqual(body);
    }
  });

  it('returns an empty rest when the line ends the chunk', () => {
    const decoder = new LineDecoder({ maxLineBytes: 64, maxUnterminatedBytes: 128 });
    const sink = { framingStopped: true, line: () => {}, overlong: () => {} };
    const result = decoder.push(bytes('ONLY\n'), sink);
    expect(result).toEqual({ rest: new Uint8Array(0) });
  });

  it('does not stop at an over-long line', () => {
    const decoder = new LineDecoder({ maxLineBytes: 4, maxUnterminatedBytes: 128 });
    const seen: Array<string | number> = [];
    const sink = { framingStopped: true, line: (t: string) => seen.push(t), overlong: (n: number) => seen.push(n) };
    const result = decoder.push(bytes('toolong\nok\nrest'), sink);
    expect(seen).toEqual([7, 'ok']);
    expect(result).toEqual({ rest: bytes('rest') });
  });
});
