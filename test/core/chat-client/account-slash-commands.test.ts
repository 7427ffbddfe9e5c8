import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../src/core/chat-client/slash-commands.ts';

describe('operator slash commands', () => {
  it('send KICK with an optional reason, BAN, UNBAN, BANS and WHOIS', () => {
    expect(parseInput('/kick bob')).toEqual({ kind: 'send', line: 'KICK bob' });
    expect(parseInput('/kick bob  stop it ')).toEqual({ kind: 'send', line: 'KICK bob stop it' });
    expect(parseInput('/ban 192.0.2.1')).toEqual({ kind: 'send', line: 'BAN 192.0.2.1' });
    expect(parseInput('/unban eve')).toEqual({ kind: 'send', line: 'UNBAN eve' });
    expect(parseInput('/bans')).toEqual({ kind: 'send', line: 'BANS' });
    expect(parseInput('/whois carl')).toEqual({ kind: 'send', line: 'WHOIS carl' });
  });

  it('need their argument', () => {
    for (const input of ['/kick', '/ban', '/unban ', '/whois']) expect(parseInput(input), input).toMatchObject({ kind: 'error', code: 'MISSING_ARGUMENT' });
  });
});
