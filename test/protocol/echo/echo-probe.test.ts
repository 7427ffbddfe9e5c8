import { describe, expect, it } from 'vitest';
import { matchProbeReply, probeSeqOfReply, probeSeqOfText, probeText } from '../../../src/protocol/echo/echo-probe.ts';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const TS = '1700000000.123456';
const TS2 = '1700000000.123999';

describe('probe text', () => {
  it('is netchat-probe and the seq', () => {
    expect(probeText(7)).toBe('netchat-probe 7');
  });

  it('is read back from a whole reply, with or without a LF', () => {
    expect(probeSeqOfReply(bytes(`${TS}:netchat-probe 12`))).toEqual({ seq: 12, timestamp: TS });
    expect(probeSeqOfReply(bytes(`${TS}:netchat-probe 12\n`))).toEqual({ seq: 12, timestamp: TS });
    expect(probeSeqOfText(TS, 'netchat-probe 3')).toEqual({ seq: 3, timestamp: TS });
  });

  it.each(['netchat-probe', 'netchat-probe x', 'netchat-probe 1 extra', 'hello', `netchat-probe ${'1'.repeat(40)}`])(
    'rejects %s',
    (text) => {
      expect(probeSeqOfReply(bytes(`${TS}:${text}`))).toBeNull();
      expect(probeSeqOfText(TS, text)).toBeNull();
    },
  );

  it('rejects a reply without a timestamp (a plain echo server)', () => {
    expect(probeSeqOfReply(bytes('netchat-probe 1'))).toBeNull();
  });
});

describe('matchProbeReply', () => {
  const probe = bytes(probeText(1234));

  it('matches a whole reply and says where it ends', () => {
    const reply = bytes(`${TS}:netchat-probe 1234`);
    const rest = bytes(`${TS2}:netchat-probe 1235`);
    const both = new Uint8Array([...reply, ...rest]);
    expect(matchProbeReply(both, probe)).toEqual({ status: 'complete', timestamp: TS, end: reply.length });
  });

  it('is incomplete at every cut before the end', () => {
    const reply = bytes(`${TS}:netchat-probe 1234`);
    for (let cut = 0; cut < reply.length; cut++) {
      expect(matchProbeReply(reply.subarray(0, cut), probe).status, `cut at ${cut}`).toBe('incomplete');
    }
  });

  it('joins a probe the server read in two parts, split at every offset', () => {
    const text = probeText(1234);
    for (let cut = 1; cut < text.length; cut++) {
      const reply = bytes(`${TS}:${text.slice(0, cut)}${TS2}:${text.slice(cut)}`);
      expect(matchProbeReply(reply, probe), `split at ${cut}`).toEqual({ status: 'complete', timestamp: TS, end: reply.length });
      for (let part = 0; part < reply.length; part++) {
        expect(matchProbeReply(reply.subarray(0, part), probe).status, `split at ${cut}, cut at ${part}`).toBe('incomplete');
      }
    }
  });

  it('joins a probe read one byte at a time', () => {
    const reply = bytes([...probeText(1234)].map((char, i) => `${i % 2 ? TS2 : TS}:${char}`).join(''));
    expect(matchProbeReply(reply, probe)).toEqual({ status: 'complete', timestamp: TS, end: reply.length });
  });

  it('tells seq digits from the digits of the next timestamp', () => {
    // "netchat-probe 1" + "1700000000.123999:" + "234": "11700000000.123999:" is a header too.
    const reply = bytes(`${TS}:netchat-probe 1${TS2}:234`);
    expect(matchProbeReply(reply, probe)).toEqual({ status: 'complete', timestamp: TS, end: reply.length });
  });

  it('waits while the bytes could still be a split reply', () => {
    // "…123" + "5…" could be the start of the next run's timestamp.
    expect(matchProbeReply(bytes(`${TS}:netchat-probe 1235`), probe).status).toBe('incomplete');
  });

  it.each([
    ['another seq', `${TS}:netchat-probe 1235 `],
    ['another seq, then a reply', `${TS}:netchat-probe 1235${TS2}:netchat-probe 1234`],
    ['no timestamp', 'netchat-probe 1234'],
    ['an error line', 'ERROR SERVER_FULL full\n'],
    ['a bad timestamp', `1700000000.12345:netchat-probe 1234`],
    ['an empty piece', `${TS}:${TS2}:netchat-probe 1234`],
  ])('rejects %s', (_, text) => {
    expect(matchProbeReply(bytes(text), probe).status).toBe('mismatch');
  });
});
