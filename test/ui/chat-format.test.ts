import { describe, expect, it } from 'vitest';
import { parseServerLine, serverLine, type ServerEvent } from '../../src/protocol/chat/chat-lines.ts';
import { eventJson, formatEvent, painter } from '../../src/ui/chat-format.ts';

const plain = painter(false);
const colour = painter(true);
const ESC = '\u001b';

// One line of every kind the server sends, read back through the real parser.
const LINES = [
  serverLine.greeting(),
  serverLine.welcome('alice', 2),
  serverLine.broadcast('bob', 'hi all'),
  serverLine.private('bob', 'psst'),
  serverLine.group('team', 'bob', 'ship it'),
  serverLine.userJoined('carol'),
  serverLine.userLeft('carol', 'quit'),
  serverLine.userLeft('carol'),
  serverLine.joinedGroup('team', 3),
  serverLine.leftGroup('team'),
  serverLine.memberJoinedGroup('team', 'dave'),
  serverLine.memberLeftGroup('team', 'dave'),
  serverLine.users(['alice', 'bob']),
  serverLine.groups([{ name: 'team', members: 2 }]),
  serverLine.groups([]),
  serverLine.limits({ 'max-line-bytes': 4096 }),
  serverLine.help('BROADCAST <text>'),
  serverLine.goodbye('alice'),
  serverLine.shutdown(),
  serverLine.error('NO_SUCH_USER', 'no user named zed'),
  '[Server] something new',
];

describe('formatEvent', () => {
  it.each([
    [serverLine.broadcast('bob', 'hi all'), 'bob: hi all'],
    [serverLine.private('bob', 'psst'), '[private] bob: psst'],
    [serverLine.group('team', 'bob', 'ship it'), '[team] bob: ship it'],
    [serverLine.userJoined('carol'), '* carol joined the chat'],
    [serverLine.userLeft('carol', 'quit'), '* carol left the chat (quit)'],
    [serverLine.joinedGroup('team', 1), '* you joined group team (1 member)'],
    [serverLine.joinedGroup('team', 3), '* you joined group team (3 members)'],
    [serverLine.users(['alice', 'bob']), 'Users online (2): alice, bob'],
    [serverLine.groups([{ name: 'team', members: 2 }]), 'Groups: team (2)'],
    [serverLine.usersEnd(500, 1234, 'u0499'), '(500 of 1234 users shown)'],
    [serverLine.groupsEnd(0, 0), 'No groups yet: /join <group> creates one'],
    [serverLine.groupsEnd(2, 3, 'Y'), '(2 of 3 groups shown)'],
    [serverLine.error('NO_SUCH_USER', 'no user named zed'), 'error NO_SUCH_USER: no user named zed'],
  ])('%j reads as %j', (line, text) => {
    expect(formatEvent(parseServerLine(line), plain)).toBe(text);
  });

  it('shows something for every kind of server line, without escape codes when colour is off', () => {
    for (const line of LINES) {
      const text = formatEvent(parseServerLine(line), plain);
      expect(text, line).toBeTruthy();
      expect(text).not.toContain(ESC);
    }
  });

  it('colours with codes that are all switched off again', () => {
    const text = formatEvent(parseServerLine(serverLine.private('bob', 'psst')), colour)!;
    expect(text).toContain(ESC);
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe('[private] bob: psst');
    const opened = [...text.matchAll(/\u001b\[(\d+)m/g)].map((m) => Number(m[1]));
    const on = opened.filter((code) => code !== 22 && code !== 39).length;
    expect(opened.length - on).toBe(on);
  });

  it.each(['PING abc', 'PONG abc', serverLine.usersEnd(2, 2), serverLine.groupsEnd(1, 1)])('hides %j', (line) => {
    expect(formatEvent(parseServerLine(line), plain)).toBeUndefined();
  });
});

describe('eventJson', () => {
  it('puts the type first, then the time, then the fields', () => {
    const event: ServerEvent = { type: 'private', from: 'bob', text: 'psst' };
    const json = eventJson(event, new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    expect(Object.keys(json)).toEqual(['type', 'time', 'from', 'text']);
    expect(json).toEqual({ type: 'private', time: '2026-01-02T03:04:05.000Z', from: 'bob', text: 'psst' });
  });

  it('round-trips every event through JSON', () => {
    for (const line of LINES) {
      const event = parseServerLine(line);
      const parsed = JSON.parse(JSON.stringify(eventJson(event, new Date(0)))) as Record<string, unknown>;
      expect(parsed).toMatchObject(event as Record<string, unknown>);
    }
  });
});
