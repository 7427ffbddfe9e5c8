import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { joinCodeFrom, JOIN_CODE_LENGTH, matchesJoinCode } from '../../../src/protocol/udp-chat/join-code.ts';
import {
  challengeForms,
  errorForms,
  parseServerDatagram,
  pickWithin,
  serverDatagram,
} from '../../../src/protocol/udp-chat/server-datagrams.ts';
import { UDP_ERROR_CODES } from '../../../src/protocol/udp-chat/udp-error-codes.ts';

describe('the original texts', () => {
  it('are kept exactly', () => {
    expect(serverDatagram.joined('alice')).toBe('[SERVER] alice has joined the chat.');
    expect(serverDatagram.relay('alice', 'hello there')).toBe('alice ~ hello there');
    expect(serverDatagram.shutdown()).toBe('[SERVER] Server is shutting down.');
  });

  it('relay sanitizes the message, not its spaces', () => {
    expect(serverDatagram.relay('a', '\u001b[31mred\ttab  ')).toBe('a ~ \uFFFD[31mred tab  ');
  });
});

describe('parseServerDatagram', () => {
  it.each([
    [serverDatagram.relay('bob', 'hi ~ there'), { type: 'message', from: 'bob', text: 'hi ~ there' }],
    [serverDatagram.relay('bob', '[SERVER] fake'), { type: 'message', from: 'bob', text: '[SERVER] fake' }],
    [serverDatagram.relay('bob', ''), { type: 'message', from: 'bob', text: '' }],
    [serverDatagram.joined('b.o-b_1'), { type: 'user-joined', name: 'b.o-b_1' }],
    [serverDatagram.left('bob'), { type: 'user-left', name: 'bob' }],
    [serverDatagram.left('bob', 'timed out'), { type: 'user-left', name: 'bob', reason: 'timed out' }],
    [serverDatagram.shutdown(), { type: 'shutdown', text: 'Server is shutting down.' }],
    [
      serverDatagram.welcome('bob', 1, { 'max-datagram-bytes': 1024, 'flood-rate': 2.5 }),
      { type: 'welcome', name: 'bob', online: 1, limits: { 'max-datagram-bytes': 1024, 'flood-rate': 2.5 } },
    ],
    [serverDatagram.welcome('bob', 3, {}), { type: 'welcome', name: 'bob', online: 3, limits: {} }],
    [serverDatagram.goodbye('bob'), { type: 'goodbye', name: 'bob' }],
    [serverDatagram.goodbye(), { type: 'goodbye' }],
    [serverDatagram.pong(''), { type: 'pong', token: '' }],
    [serverDatagram.pong('t 1'), { type: 'pong', token: 't 1' }],
    [serverDatagram.probe('bob', 2000), { type: 'probe', name: 'bob' }],
    [serverDatagram.error('NAME_TAKEN', 'bob is taken'), { type: 'error', code: 'NAME_TAKEN', message: 'bob is taken' }],
    ['[SERVER] FLOOD', { type: 'error', code: 'FLOOD', message: '' }],
    ['[SERVER] something new', { type: 'notice', text: 'something new' }],
    ['plain text', { type: 'notice', text: 'plain text' }],
  ])('%j', (text, expected) => {
    expect(parseServerDatagram(text)).toEqual(expected);
  });

  it('reads every form of the join code', () => {
    for (const form of challengeForms('k3x9pq', 'alice')) {
      expect(parseServerDatagram(form)).toEqual({ type: 'challenge', code: 'k3x9pq' });
    }
  });
});

describe('pickWithin', () => {
  const forms = challengeForms('k3x9pq', 'alice');

  it('picks the longest form that fits, at the exact size and one byte under it', () => {
    const sizes = forms.map((form) => form.length);
    expect(sizes).toEqual([38, 29, 15]);
    const pick = (budget: number) => {
      const bytes = pickWithin(forms, budget);
      return bytes && new TextDecoder().decode(bytes);
    };
    expect(pick(38)).toBe(forms[0]);
    expect(pick(37)).toBe(forms[1]);
    expect(pick(29)).toBe(forms[1]);
    expect(pick(28)).toBe(forms[2]);
    expect(pick(15)).toBe(forms[2]);
    expect(pick(14)).toBeUndefined();
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(pickWithin(['ééé'], 5)).toBeUndefined();
    expect(pickWithin(['ééé'], 6)).toHaveLength(6);
  });

  it('falls back to the bare error code', () => {
    expect(new TextDecoder().decode(pickWithin(errorForms('NAME_TAKEN', 'x'.repeat(100)), 30))).toBe('[SERVER] NAME_TAKEN');
  });
});

describe('join codes', () => {
  it('are JOIN_CODE_LENGTH symbols of 32, without l or o', () => {
    const seen = new Set<string>();
    for (let byte = 0; byte < 256; byte++) seen.add(joinCodeFrom(new Uint8Array(JOIN_CODE_LENGTH).fill(byte))[0]!);
    expect(seen.size).toBe(32);
    expect([...seen].some((c) => c === 'l' || c === 'o' || c === '0' || c === '1')).toBe(false);
    expect(joinCodeFrom(Uint8Array.of(0, 1, 2, 3, 4, 5, 6))).toBe('abcdef');
    expect(() => joinCodeFrom(new Uint8Array(5))).toThrow(RangeError);
  });

  it('match as typed: any case, spaces around', () => {
    expect(matchesJoinCode(' K3X9pq ', 'k3x9pq')).toBe(true);
    expect(matchesJoinCode('k3x9p', 'k3x9pq')).toBe(false);
    expect(matchesJoinCode('k3x9pqq', 'k3x9pq')).toBe(false);
  });
});

describe('error codes', () => {
  it('every code is documented in docs/PROTOCOL.md', () => {
    const doc = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## UDP chat'));
    for (const code of Object.keys(UDP_ERROR_CODES)) expect(section, code).toContain(`| \`${code}\` |`);
  });
});
