import { describe, expect, it } from 'vitest';
import {
  type AckMessage,
  type ControlMessage,
  MAX_CONTROL_LINE_BYTES,
  formatControlLine,
  isControlLine,
  parseControlLine,
} from '../../../src/protocol/udp-transfer/control-lines.ts';
import { seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';

const SHA = 'ab'.repeat(32);
const begin: ControlMessage = { type: 'begin', transferId: 0x0badcafe, size: 1_000_000, offset: 4096, chunkBytes: 1364, window: 32, sha256: SHA };
const ack: AckMessage = {
  type: 'ack',
  transferId: 0x0badcafe,
  next: 1000,
  high: 1050,
  listedUpTo: 1050,
  window: 3276,
  received: 1046,
  largestPacket: { packetNumber: 1060, delayUs: 2500 },
  missing: [
    { start: 1000, end: 1002 },
    { start: 1017, end: 1018 },
  ],
};

describe('control lines', () => {
  it('are the documented text', () => {
    expect(formatControlLine(begin)).toBe(`UDP_BEGIN 0badcafe size=1000000 offset=4096 chunk=1364 window=32 sha256=${SHA}`);
    const key = 'ab'.repeat(32);
    expect(formatControlLine({ ...begin, key })).toBe(`UDP_BEGIN 0badcafe size=1000000 offset=4096 chunk=1364 window=32 sha256=${SHA} key=${key}`);
    expect(parseControlLine(formatControlLine({ ...begin, key }))).toEqual({ ok: true, message: { ...begin, key } });
    expect(formatControlLine(ack)).toBe('UDP_ACK 0badcafe next=1000 high=1050 window=3276 rx=1046 pn=1060 delay=2500 missing=0-1,17');
    expect(formatControlLine({ type: 'done', transferId: 1, bytes: 5, sha256: SHA })).toBe(`UDP_DONE 00000001 bytes=5 sha256=${SHA}`);
    expect(formatControlLine({ type: 'error', transferId: 1, code: 'HASH_MISMATCH', text: 'bad bytes' })).toBe('UDP_ERROR 00000001 HASH_MISMATCH bad bytes');
  });

  it('round-trip every message', () => {
    const messages: ControlMessage[] = [
      begin,
      ack,
      { ...ack, missing: [], largestPacket: undefined, received: 0, next: 0, high: 0, listedUpTo: 0 },
      { ...ack, listedUpTo: 1018 },
      { type: 'done', transferId: 0xffffffff, bytes: 0, sha256: SHA },
      { type: 'error', transferId: 0, code: 'UNREACHABLE', text: 'no datagram reached the receiver' },
    ];
    for (const message of messages) expect(parseControlLine(formatControlLine(message))).toEqual({ ok: true, message });
  });

  it('say upto only when the missing list was cut short', () => {
    expect(formatControlLine({ ...ack, listedUpTo: 1018 })).toContain(' upto=1018 ');
    expect(formatControlLine(ack)).not.toContain('upto');
  });

  it('keep error text printable ASCII within the line limit', () => {
    const line = formatControlLine({ type: 'error', transferId: 1, code: 'WRITE_FAILED', text: `disk\nfull ✗ ${'x'.repeat(1000)}` });
    expect(line.startsWith('UDP_ERROR 00000001 WRITE_FAILED disk?full ? x')).toBe(true);
    expect(line.length).toBe(MAX_CONTROL_LINE_BYTES);
    expect(parseControlLine(line).ok).toBe(true);
  });

  it('are recognised by their verb', () => {
    expect(isControlLine('UDP_ACK 00000001 next=0')).toBe(true);
    expect(isControlLine('UDP_ERROR')).toBe(true);
    expect(isControlLine('[Server] UDP_ACK')).toBe(false);
    expect(isControlLine('UDP_ACKS 1')).toBe(false);
  });

  it('ignore unknown keys and take keys in any order', () => {
    const line = `UDP_BEGIN 0badcafe sha256=${SHA} future=yes window=32 chunk=1364 offset=4096 size=1000000`;
    expect(parseControlLine(line)).toEqual({ ok: true, message: begin });
  });

  it('are parsed up to the line limit and refused one past it', () => {
    const base = formatControlLine({ type: 'error', transferId: 1, code: 'CANCELLED', text: '' });
    const atLimit = base + 'x'.repeat(MAX_CONTROL_LINE_BYTES - base.length);
    expect(parseControlLine(atLimit).ok).toBe(true);
    expect(parseControlLine(`${atLimit}x`)).toMatchObject({ ok: false, error: 'LINE_TOO_LONG' });
  });

  it.each([
    ['', 'UNKNOWN_VERB'],
    ['HELLO 00000001', 'UNKNOWN_VERB'],
    ['udp_ack 00000001 next=0 high=0 window=1 rx=0', 'UNKNOWN_VERB'],
    ['UDP_ACK', 'BAD_TRANSFER_ID'],
    ['UDP_ACK 1 next=0 high=0 window=1 rx=0', 'BAD_TRANSFER_ID'],
    ['UDP_ACK 0000000G next=0 high=0 window=1 rx=0', 'BAD_TRANSFER_ID'],
    ['UDP_ACK 00000001 next=0 high=0 window=1', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=5 high=4 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 upto=5 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 upto=2 window=1 rx=0 missing=0-2', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 window=1 rx=0 missing=3-1', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 window=1 rx=0 pn=3', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 window=1 rx=0 delay=3', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=4 window=1 rx=0 pn=x delay=3', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=00 high=4 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=-1 high=4 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=99999999999999999 high=4 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001  next=0 high=0 window=1 rx=0', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 next=0 high=0 window=1 rx=0', 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=11 chunk=5 window=1 sha256=${SHA}`, 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=0 window=1 sha256=${SHA}`, 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=65508 window=1 sha256=${SHA}`, 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=5 window=0 sha256=${SHA}`, 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=5 window=1 sha256=${SHA.toUpperCase()}`, 'BAD_FIELD'],
    ['UDP_BEGIN 00000001 size=10 offset=0 chunk=5 window=1 sha256=abc', 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=5 window=1 sha256=${SHA} key=${'AB'.repeat(32)}`, 'BAD_FIELD'],
    [`UDP_BEGIN 00000001 size=10 offset=0 chunk=5 window=1 sha256=${SHA} key=${'ab'.repeat(31)}`, 'BAD_FIELD'],
    ['UDP_DONE 00000001 bytes=5', 'BAD_FIELD'],
    ['UDP_ERROR 00000001', 'BAD_FIELD'],
    ['UDP_ERROR 00000001 lower case', 'BAD_FIELD'],
    ['UDP_ACK 00000001 next=0 high=0 window=1 rx=0 \u00e9=1', 'NOT_ASCII'],
    ['UDP_ACK 00000001 next=0 high=0 window=1 rx=0\r', 'NOT_ASCII'],
  ])('refuse %j with %s', (line, error) => {
    expect(parseControlLine(line)).toMatchObject({ ok: false, error });
  });

  it('never throw on random or mutated lines', () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const valid = [formatControlLine(begin), formatControlLine(ack), formatControlLine({ ...ack, listedUpTo: 1018 })];
    const alphabet = 'UDP_ACKBEGINDOERR 0123456789abcdef=-,xyz\u00e9\n';
    for (let i = 0; i < 20_000; i++) {
      let line: string;
      if (i % 2 === 0) {
        line = Array.from({ length: Math.floor(random() * 120) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      } else {
        const chars = [...valid[i % valid.length]!];
        for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) {
          const at = Math.floor(random() * chars.length);
          const kind = random();
          if (kind < 0.4) chars[at] = alphabet[Math.floor(random() * alphabet.length)]!;
          else if (kind < 0.7) chars.splice(at, 1);
          else chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]!);
        }
        line = chars.join('');
      }
      const parsed = parseControlLine(line);
      if (parsed.ok) {
        // Whatever parses is self-consistent and formats back to a parsable line.
        expect(parseControlLine(formatControlLine(parsed.message)), `seed ${seed}: ${line}`).toEqual(parsed);
      }
    }
  });
});
