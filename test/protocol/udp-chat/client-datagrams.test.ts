import { describe, expect, it } from 'vitest';
import {
  clientDatagram,
  decodeDatagram,
  isCommandText,
  JOIN_PADDED_BYTES,
  parseClientDatagram,
  QUIT_PADDED_BYTES,
} from '../../../src/protocol/udp-chat/client-datagrams.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('decodeDatagram', () => {
  it.each([
    ['hello', 'hello'],
    ['hello\n', 'hello'],
    ['hello\r\n', 'hello'],
    ['two\n\n', 'two\n'],
    ['\n', ''],
    ['', ''],
    ['a\rb', 'a\rb'],
    ['héllo ✓\n', 'héllo ✓'],
  ])('%j → %j', (input, expected) => {
    expect(decodeDatagram(bytes(input))).toBe(expected);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a cut-off character', [0x68, 0xc3]],
    ['an invalid byte', [0xff, 0x0a]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
  ])('refuses %s', (_what, data) => {
    expect(decodeDatagram(Uint8Array.from(data))).toBeUndefined();
  });
});

describe('parseClientDatagram', () => {
  it.each([
    ['alice', { kind: 'text', text: 'alice' }],
    ['/join alice', { kind: 'join', name: 'alice' }],
    [`/join alice${' '.repeat(100)}`, { kind: 'join', name: 'alice' }],
    ['/join', { kind: 'join', name: '' }],
    ['/join a b', { kind: 'join', name: 'a b' }],
    ['/joinery', { kind: 'text', text: '/joinery' }],
    ['/quit', { kind: 'quit' }],
    ['/quit   ', { kind: 'quit' }],
    ['/quit now', { kind: 'text', text: '/quit now' }],
    ['/QUIT', { kind: 'text', text: '/QUIT' }],
    ['/ping', { kind: 'ping', token: '' }],
    ['/ping 42', { kind: 'ping', token: '42' }],
    ['', { kind: 'keepalive' }],
    ['   ', { kind: 'keepalive' }],
    ['/shrug', { kind: 'text', text: '/shrug' }],
    ['  keep my spaces  ', { kind: 'text', text: '  keep my spaces  ' }],
  ])('%j', (text, expected) => {
    expect(parseClientDatagram(text)).toEqual(expected);
  });
});

describe('clientDatagram', () => {
  it('pads /join and /quit so that the answers fit, and they still parse', () => {
    const join = clientDatagram.join('alice');
    expect(join).toHaveLength(JOIN_PADDED_BYTES);
    expect(parseClientDatagram(join)).toEqual({ kind: 'join', name: 'alice' });
    expect(clientDatagram.quit()).toHaveLength(QUIT_PADDED_BYTES);
    expect(parseClientDatagram(clientDatagram.quit())).toEqual({ kind: 'quit' });
    expect(parseClientDatagram(clientDatagram.ping(''))).toEqual({ kind: 'ping', token: '' });
  });

  it('says which messages would be read as commands', () => {
    expect(['/quit', '/join x', '/ping', '', ' '].map(isCommandText)).toEqual([true, true, true, true, true]);
    expect(['hi', '/shrug', '/quit now'].map(isCommandText)).toEqual([false, false, false]);
  });
});
