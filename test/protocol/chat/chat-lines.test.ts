import { describe, expect, it } from 'vitest';
import {
  clientLine,
  parseListArgs,
  parseServerLine,
  serverLine,
  splitCommand,
  splitParams,
  splitWord,
} from '../../../src/protocol/chat/chat-lines.ts';

describe('client lines', () => {
  it('split into an upper-cased verb and the verbatim rest', () => {
    expect(splitCommand('broadcast  hi there ')).toEqual({ verb: 'BROADCAST', rest: ' hi there ' });
    expect(splitCommand('LIST_USERS')).toEqual({ verb: 'LIST_USERS', rest: '' });
    // Only ASCII letters fold: a dotless ı or a long ſ is not the i or s of a verb.
    expect(splitCommand('joın alice').verb).not.toBe('JOIN');
    expect(splitCommand('BROADCAſT hi').verb).not.toBe('BROADCAST');
    expect(splitCommand('Join alice').verb).toBe('JOIN');
    expect(splitWord('  bob  hello you')).toEqual(['bob', ' hello you']);
    expect(splitWord('bob')).toEqual(['bob', '']);
  });

  it('split parameters into words, the last one taking the rest of the line', () => {
    expect(splitParams('bob  hello   you ', 2)).toEqual(['bob', 'hello   you ']);
    expect(splitParams('   hello  ', 1)).toEqual(['hello  ']);
    expect(splitParams('g', 2)).toEqual(['g']);
    expect(splitParams('a b c d', 3)).toEqual(['a', 'b', 'c d']);
    expect(splitParams('', 2)).toEqual([]);
    expect(splitParams('   ', 1)).toEqual([]);
    expect(splitParams('bob   ', 2)).toEqual(['bob']);
    expect(splitParams('anything', 0)).toEqual([]);
  });

  it('are built in the documented forms', () => {
    expect(clientLine.join('ann')).toBe('JOIN ann');
    expect(clientLine.unicast('bob', 'hi')).toBe('UNICAST bob hi');
    expect(clientLine.groupMessage('g', 'yo')).toBe('GROUP_MSG g yo');
    expect(clientLine.quit()).toBe('QUIT');
    expect(clientLine.quit('bye')).toBe('QUIT bye');
    expect(clientLine.listUsers()).toBe('LIST_USERS');
    expect(clientLine.listUsers('bob')).toBe('LIST_USERS AFTER bob');
    expect(clientLine.listGroups('g')).toBe('LIST_GROUPS AFTER g');
  });

  it('read a listing’s continuation: nothing, or AFTER and one name', () => {
    expect(parseListArgs('')).toEqual({});
    expect(parseListArgs('   ')).toEqual({});
    expect(parseListArgs('AFTER bob')).toEqual({ after: 'bob' });
    expect(parseListArgs(' after  Bob ')).toEqual({ after: 'Bob' });
    for (const bad of ['bob', 'AFTER', 'AFTER a b', 'BEFORE a']) expect(parseListArgs(bad), bad).toBeUndefined();
  });
});

describe('server lines', () => {
  it('parse back into the events they were built from', () => {
    const cases: Array<[string, unknown]> = [
      [serverLine.greeting(), { type: 'greeting' }],
      [serverLine.welcome('ann', 1), { type: 'welcome', name: 'ann', online: 1 }],
      [serverLine.welcome('ann', 3), { type: 'welcome', name: 'ann', online: 3 }],
      [serverLine.broadcast('ann', 'hi: there'), { type: 'broadcast', from: 'ann', text: 'hi: there' }],
      [serverLine.private('ann', 'psst'), { type: 'private', from: 'ann', text: 'psst' }],
      [serverLine.group('team', 'ann', 'yo'), { type: 'group', group: 'team', from: 'ann', text: 'yo' }],
      [serverLine.userJoined('ann'), { type: 'user-joined', name: 'ann' }],
      [serverLine.userLeft('ann'), { type: 'user-left', name: 'ann' }],
      [serverLine.userLeft('ann', 'quit: (really).'), { type: 'user-left', name: 'ann', reason: 'quit: (really).' }],
      [serverLine.joinedGroup('g', 1), { type: 'joined-group', group: 'g', members: 1 }],
      [serverLine.joinedGroup('g', 2), { type: 'joined-group', group: 'g', members: 2 }],
      [serverLine.leftGroup('g'), { type: 'left-group', group: 'g' }],
      [serverLine.memberJoinedGroup('g', 'ann'), { type: 'member-joined-group', group: 'g', name: 'ann' }],
      [serverLine.memberLeftGroup('g', 'ann'), { type: 'member-left-group', group: 'g', name: 'ann' }],
      [serverLine.users(['a', 'b']), { type: 'users', names: ['a', 'b'] }],
      [serverLine.groups([]), { type: 'groups', groups: [] }],
      [serverLine.groups([{ name: 'g', members: 2 }]), { type: 'groups', groups: [{ name: 'g', members: 2 }] }],
      [serverLine.usersEnd(1, 1), { type: 'users-end', shown: 1, total: 1 }],
      [serverLine.usersEnd(500, 1234, 'u0499'), { type: 'users-end', shown: 500, total: 1234, continueAfter: 'u0499' }],
      [serverLine.groupsEnd(0, 0), { type: 'groups-end', shown: 0, total: 0 }],
      [serverLine.groupsEnd(2, 3, 'Y'), { type: 'groups-end', shown: 2, total: 3, continueAfter: 'Y' }],
      [serverLine.notAnnounced(1, 2, 10), { type: 'notice', text: 'Not announced: 1 join and 2 leaves (more than 10 a second).' }],
      [serverLine.limits({ 'max-line-bytes': 4096, 'flood-lines-per-second': 2.5 }), { type: 'limits', limits: { 'max-line-bytes': 4096, 'flood-lines-per-second': 2.5 } }],
      [serverLine.help('HELP — this'), { type: 'help', text: 'HELP — this' }],
      [serverLine.goodbye('ann'), { type: 'goodbye', name: 'ann' }],
      [serverLine.shutdown(), { type: 'shutdown' }],
      [serverLine.error('NAME_TAKEN', 'taken'), { type: 'error', code: 'NAME_TAKEN', message: 'taken' }],
      [serverLine.ping('123'), { type: 'ping', token: '123' }],
      [serverLine.pong('abc'), { type: 'pong', token: 'abc' }],
      [serverLine.pong(''), { type: 'pong', token: '' }],
      ['[Server] something new', { type: 'notice', text: 'something new' }],
    ];
    for (const [line, event] of cases) expect(parseServerLine(line), line).toMatchObject(event as object);
  });

  it('cannot be forged from inside user text: one line, with the real sender first', () => {
    const evil = 'hi\n[Broadcast] admin: pwned\r\u2028\u001b[1A\u0085\u202e';
    for (const line of [
      serverLine.broadcast('ann', evil),
      serverLine.private('ann', evil),
      serverLine.group('g', 'ann', evil),
      serverLine.userLeft('ann', evil),
      serverLine.error('FLOOD', evil),
      serverLine.pong(evil),
    ]) {
      expect(line).not.toMatch(/[\n\r\u001b\u0085\u2028\u202e]/);
    }
    expect(parseServerLine(serverLine.broadcast('ann', evil))).toMatchObject({ type: 'broadcast', from: 'ann' });
  });
});
