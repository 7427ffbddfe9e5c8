import { describe, expect, it } from 'vitest';
import { accountClientLine, accountServerLine } from '../../../src/protocol/accounts/account-lines.ts';
import { parseServerLine } from '../../../src/protocol/chat/chat-lines.ts';
import { BansFileError, formatBansFile, parseBansFile } from '../../../src/protocol/accounts/bans-file.ts';

describe('account lines', () => {
  it('keep a password with spaces as the rest of the line', () => {
    expect(accountClientLine.auth('ann', 'correct horse ')).toBe('AUTH ann correct horse ');
    expect(accountClientLine.pass('s3 cret')).toBe('PASS s3 cret');
  });

  it('parse back as events', () => {
    expect(parseServerLine(accountServerLine.loggedIn('ann', true))).toEqual({ type: 'logged-in', name: 'ann', operator: true });
    expect(parseServerLine(accountServerLine.loggedIn('bob', false))).toEqual({ type: 'logged-in', name: 'bob', operator: false });
    expect(parseServerLine(accountServerLine.passwordAccepted())).toEqual({ type: 'password-accepted' });
    const whois = { name: 'bob', address: '::1', account: undefined, operator: false };
    expect(parseServerLine(accountServerLine.whois(whois))).toEqual({ type: 'whois', ...whois });
    expect(parseServerLine(accountServerLine.kicked('bob'))).toMatchObject({ type: 'notice', text: 'Kicked bob.' });
    expect(parseServerLine(accountServerLine.loginHint('Before JOIN, send AUTH <name> <password>.'))).toEqual({
      type: 'login-hint',
      text: 'Before JOIN, send AUTH <name> <password>.',
    });
  });
});

describe('the bans file', () => {
  it('round-trips names and addresses, skipping comments', () => {
    const bans = [
      { kind: 'name' as const, target: 'mallory' },
      { kind: 'address' as const, target: '2001:db8:0:1::/64' },
    ];
    expect(parseBansFile(formatBansFile(bans))).toEqual(bans);
  });

  it('names a bad line', () => {
    expect(() => parseBansFile('name ok\nuser x\n')).toThrow(BansFileError);
    try {
      parseBansFile('name ok\nuser x\n');
    } catch (error) {
      expect(error).toMatchObject({ code: 'BANS_FILE_INVALID', line: 2 });
    }
  });
});
