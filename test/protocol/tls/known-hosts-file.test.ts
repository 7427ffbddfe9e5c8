import { describe, expect, it } from 'vitest';
import { knownHostKey, knownHostLine, parseKnownHosts } from '../../../src/protocol/tls/known-hosts-file.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('known-hosts file', () => {
  it('keys servers by host and port, IPv6 in brackets, names in lowercase', () => {
    expect(knownHostKey('Chat.Example', 12443)).toBe('chat.example:12443');
    expect(knownHostKey('::1', 12443)).toBe('[::1]:12443');
  });

  it('reads back what it writes, skipping comments, blank and broken lines; the first line for a server wins', () => {
    const text = [
      '# netchat known hosts',
      '',
      knownHostLine('chat.example:12443', A).trimEnd(),
      knownHostLine('[::1]:12000', B).trimEnd(),
      'broken-line',
      `other:1 sha256:${A} extra`,
      `other:2 sha256:nothex`,
      knownHostLine('CHAT.example:12443', B).trimEnd(),
    ].join('\n');
    expect([...parseKnownHosts(text)]).toEqual([
      ['chat.example:12443', A],
      ['[::1]:12000', B],
    ]);
  });
});
