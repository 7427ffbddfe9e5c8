import { describe, expect, it } from 'vitest';
import type { UdpSendResult } from '../../../src/core/udp-chat/udp-chat-client.ts';
import { submitUdpInput, udpHelpLines } from '../../../src/core/udp-chat/udp-input.ts';

function client(result: UdpSendResult = { ok: true }) {
  const sent: string[] = [];
  return { sent, send: (text: string) => (sent.push(text), result) };
}

describe('submitUdpInput', () => {
  it.each([
    ['hello', { kind: 'sent' }, ['hello']],
    ['//quit', { kind: 'sent' }, ['/quit']],
    ['//', { kind: 'sent' }, ['/']],
    ['/quit', { kind: 'local', action: 'quit' }, []],
    ['/EXIT', { kind: 'local', action: 'quit' }, []],
    ['/help', { kind: 'local', action: 'help' }, []],
    ['/?', { kind: 'local', action: 'help' }, []],
    ['   ', { kind: 'empty' }, []],
  ])('%j', (input, result, sent) => {
    const fake = client();
    expect(submitUdpInput(fake, input)).toEqual(result);
    expect(fake.sent).toEqual(sent);
  });

  it('refuses an unknown /word, and /quit with words after it, without sending', () => {
    const fake = client();
    expect(submitUdpInput(fake, '/shrug hi')).toMatchObject({ kind: 'error', code: 'UNKNOWN_COMMAND' });
    expect(submitUdpInput(fake, '/quit now')).toMatchObject({ kind: 'error', code: 'UNKNOWN_COMMAND', message: expect.stringContaining('//quit now') });
    expect(fake.sent).toEqual([]);
  });

  it('passes on what the client refuses', () => {
    const fake = client({ ok: false, code: 'DATAGRAM_TOO_LONG', message: 'too long' });
    expect(submitUdpInput(fake, 'x')).toEqual({ kind: 'error', code: 'DATAGRAM_TOO_LONG', message: 'too long' });
  });

  it('lists the help lines aligned', () => {
    const lines = udpHelpLines();
    expect(lines.some((line) => line.startsWith('/quit '))).toBe(true);
    expect(new Set(lines.map((line) => line.search(/ {2}\S/))).size).toBe(1);
  });
});
