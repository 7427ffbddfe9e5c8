import { describe, expect, it } from 'vitest';
import {
  encodeReply,
  findGoodbyeLine,
  formatTimestamp,
  MAX_HEADER_BYTES,
  ReplyEncoder,
  parseReply,
  parseReplyHeader,
  parseReplyLine,
} from '../../../src/protocol/echo/echo-format.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('formatTimestamp', () => {
  it.each([
    [1_700_000_000_123.456, '1700000000.123456'],
    [1_700_000_000_000, '1700000000.000000'],
    [0, '0.000000'],
    [0.001, '0.000001'],
    [999.9996, '1.000000'], // rounds up into the next second
    [1_700_000_000_000.25, '1700000000.000250'],
    [1_700_000_000_999.75, '1700000000.999750'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatTimestamp(ms)).toBe(text);
  });

  it('always has digits, one dot and six decimals', () => {
    for (let ms = 1_700_000_000_000; ms < 1_700_000_000_000 + 5000; ms += 0.7931) {
      expect(formatTimestamp(ms)).toMatch(/^\d{10}\.\d{6}$/);
    }
  });
});

describe('encodeReply', () => {
  it('is the timestamp, a colon and the data bytes unchanged', () => {
    expect(new TextDecoder().decode(encodeReply('1700000000.123456', bytes('Hello Server!')))).toBe(
      '1700000000.123456:Hello Server!',
    );
  });

  it('keeps binary data and invalid UTF-8 byte for byte', () => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => (i + 1) % 256); // 0x01 … 0xff, 0x00
    const reply = encodeReply('1.000000', data);
    expect(reply.subarray(0, 9)).toEqual(bytes('1.000000:'));
    expect(reply.subarray(9)).toEqual(data);
  });

  it('answers empty data with the header alone', () => {
    expect(encodeReply('1.000000', new Uint8Array(0))).toEqual(bytes('1.000000:'));
  });
});

describe('parseReplyHeader', () => {
  const reply = bytes('1700000000.123456:data');

  it('finds the timestamp and where the data starts', () => {
    expect(parseReplyHeader(reply)).toEqual({ timestamp: '1700000000.123456', end: 18 });
    expect(parseReplyHeader(bytes('xx1.000000:y'), 2)).toEqual({ timestamp: '1.000000', end: 11 });
  });

  it('is incomplete at every cut inside the header', () => {
    for (let cut = 0; cut < 18; cut++) expect(parseReplyHeader(reply.subarray(0, cut))).toBe('incomplete');
  });

  it.each([
    ['no digits', ':x'],
    ['no dot', '1700000000:'],
    ['letter first', 'a1.000000:'],
    ['five decimals', '1.00000:'],
    ['seven decimals', '1.0000000:'],
    ['a letter in the fraction', '1.00a000:'],
    ['17 digits of seconds', `${'1'.repeat(17)}.000000:`],
  ])('rejects %s', (_, text) => {
    expect(parseReplyHeader(bytes(text))).toBe('invalid');
  });

  it('accepts up to 16 digits of seconds, the longest header', () => {
    const longest = `${'9'.repeat(16)}.000000:`;
    expect(longest.length).toBe(MAX_HEADER_BYTES);
    expect(parseReplyHeader(bytes(longest))).toEqual({ timestamp: longest.slice(0, -1), end: MAX_HEADER_BYTES });
  });
});

describe('parseReply and parseReplyLine', () => {
  it('split a whole reply into timestamp and data', () => {
    const reply = parseReply(bytes('1.250000:a:b'));
    expect(reply?.timestamp).toBe('1.250000');
    expect(new TextDecoder().decode(reply?.data)).toBe('a:b');
    expect(parseReplyLine('1.250000:a:b')).toEqual({ timestamp: '1.250000', text: 'a:b' });
  });

  it('return null for what is not a reply', () => {
    expect(parseReply(bytes('hello'))).toBeNull();
    expect(parseReply(bytes('1.25:x'))).toBeNull();
    expect(parseReplyLine('ERROR LINE_TOO_LONG line of 9 bytes')).toBeNull();
  });

  it('read back the text of a line reply', () => {
    const line = new TextDecoder().decode(encodeReply('1700000000.000001', bytes('héllo')));
    expect(parseReplyLine(line)).toEqual({ timestamp: '1700000000.000001', text: 'héllo' });
  });
});

describe('findGoodbyeLine', () => {
  const chunk = (...values: number[]) => Uint8Array.from(values);

  it('finds 0xFF at the start of the stream or right after a LF', () => {
    expect(findGoodbyeLine(chunk(0xff, 0x61), true)).toBe(0);
    expect(findGoodbyeLine(chunk(0x61, 0x0a, 0xff), true)).toBe(2);
    expect(findGoodbyeLine(chunk(0x61, 0xff, 0x0a, 0x62, 0x0a, 0xff, 0xff), true)).toBe(5);
  });

  it('ignores 0xFF inside a line', () => {
    expect(findGoodbyeLine(chunk(0x61, 0xff, 0x0a), true)).toBe(-1);
    expect(findGoodbyeLine(chunk(0xff, 0x0a), false)).toBe(-1); // the previous chunk left a line open
    expect(findGoodbyeLine(chunk(), true)).toBe(-1);
  });
});

describe('ReplyEncoder', () => {
  it('builds the same bytes as encodeReply(formatTimestamp(ms), data), across seconds and sizes', () => {
    const encoder = new ReplyEncoder();
    const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
    const kept: Array<[Uint8Array, string]> = [];
    for (let i = 0; i < 3000; i++) {
      const ms = 1_700_000_000_000 + i * 3.7171;
      const data = Uint8Array.from({ length: (i * 37) % 1500 }, (_, j) => (i + j) % 256);
      const expected = hex(encodeReply(formatTimestamp(ms), data));
      const reply = encoder.encode(ms, data);
      if (hex(reply) !== expected) expect.fail(`reply ${i} differs`);
      kept.push([reply, expected]);
    }
    // Replies handed out earlier are never overwritten by later ones.
    expect(kept.filter(([reply, expected]) => hex(reply) !== expected)).toHaveLength(0);
  });

  it('writes every byte it hands out, even in a slab of uninitialised memory', () => {
    const encoder = new ReplyEncoder((size) => new Uint8Array(size).fill(0xee));
    for (let i = 0; i < 500; i++) {
      const ms = 1_700_000_000_000 + i;
      const data = new Uint8Array(i % 2 ? i % 40 : 1100 + i).fill(0x61); // slab pieces and large replies
      expect(encoder.encode(ms, data)).toEqual(encodeReply(formatTimestamp(ms), data));
    }
  });

  it('writes leading zeros of the fraction and a change of second', () => {
    const encoder = new ReplyEncoder();
    const text = (ms: number) => new TextDecoder().decode(encoder.encode(ms, bytes('x')));
    expect(text(1_700_000_000_000.001)).toBe('1700000000.000001:x');
    expect(text(1_700_000_000_999.999)).toBe('1700000000.999999:x');
    expect(text(1_700_000_001_000)).toBe('1700000001.000000:x');
    expect(text(999_999_999_999.5)).toBe('999999999.999500:x'); // fewer digits of seconds
  });
});
