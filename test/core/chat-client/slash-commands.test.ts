import { describe, expect, it } from 'vitest';
import type { SendResult } from '../../../src/core/chat-client/chat-client.ts';
import { helpLines, parseInput, parseTargetedInput, SLASH_COMMANDS, submitInput } from '../../../src/core/chat-client/slash-commands.ts';

describe('parseInput', () => {
  it.each([
    ['hello there', 'BROADCAST hello there'],
    ['  indented', 'BROADCAST   indented'],
    ['/broadcast hi all', 'BROADCAST hi all'],
    ['/boardcast hi', 'BROADCAST hi'],
    ['/b   spaced  text ', 'BROADCAST spaced  text '],
    ['/BROADCAST upper', 'BROADCAST upper'],
    ['/unicast bob hi there', 'UNICAST bob hi there'],
    ['/msg bob hi', 'UNICAST bob hi'],
    ['/m   bob   hi', 'UNICAST bob hi'],
    ['/join team', 'JOIN_GROUP team'],
    ['/leave team', 'LEAVE_GROUP team'],
    ['/group team ship it', 'GROUP_MSG team ship it'],
    ['/g team ship it', 'GROUP_MSG team ship it'],
    ['/groups', 'LIST_GROUPS'],
    ['/users', 'LIST_USERS'],
    ['//slash at start', 'BROADCAST /slash at start'],
    ['//', 'BROADCAST /'],
    ['ünïcödé ✓', 'BROADCAST ünïcödé ✓'],
  ])('%j → %j', (input, line) => {
    expect(parseInput(input)).toEqual({ kind: 'send', line });
  });

  it.each([
    ['/help', 'help'],
    ['/?', 'help'],
    ['/quit', 'quit'],
    ['/exit', 'quit'],
    ['/QUIT', 'quit'],
  ])('%j is the local action %s', (input, action) => {
    expect(parseInput(input)).toEqual({ kind: 'local', action });
  });

  it.each(['', '   '])('%j is empty', (input) => {
    expect(parseInput(input)).toEqual({ kind: 'empty' });
  });

  it.each([
    ['/broadcast', 'MISSING_ARGUMENT'],
    ['/broadcast   ', 'MISSING_ARGUMENT'],
    ['/unicast bob', 'MISSING_ARGUMENT'],
    ['/msg', 'MISSING_ARGUMENT'],
    ['/join', 'MISSING_ARGUMENT'],
    ['/leave', 'MISSING_ARGUMENT'],
    ['/group team', 'MISSING_ARGUMENT'],
    ['/nope', 'UNKNOWN_COMMAND'],
    ['/', 'UNKNOWN_COMMAND'],
    ['/unicas bob hi', 'UNKNOWN_COMMAND'],
  ])('%j is the error %s', (input, code) => {
    expect(parseInput(input)).toMatchObject({ kind: 'error', code });
  });

  it('suggests the nearest command for a typo and the help otherwise', () => {
    const typo = parseInput('/unicas bob hi');
    expect(typo.kind === 'error' && typo.message).toContain('/unicast');
    const far = parseInput('/xyzzy');
    expect(far.kind === 'error' && far.message).toContain('/help');
  });

  it('gives each command its minimum arguments: at the minimum it sends, one short it refuses', () => {
    for (const command of SLASH_COMMANDS) {
      const words = Array.from({ length: command.minArgs }, (_, i) => `w${i}`);
      expect(parseInput(['/' + command.name, ...words].join(' ')).kind).not.toBe('error');
      if (command.minArgs > 0) {
        expect(parseInput(['/' + command.name, ...words.slice(1)].join(' '))).toMatchObject({ code: 'MISSING_ARGUMENT' });
      }
    }
  });

  it('has no alias claimed twice', () => {
    const keys = SLASH_COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lists every command in the help', () => {
    const help = helpLines().join('\n');
    for (const command of SLASH_COMMANDS) expect(help).toContain(command.syntax);
  });
});

describe('submitInput', () => {
  const sender = (result: SendResult) => {
    const sent: string[] = [];
    return { sent, send: (line: string) => (sent.push(line), result) };
  };

  it('queues the protocol line of a message', () => {
    const client = sender({ ok: true });
    expect(submitInput(client, '/msg bob hi')).toEqual({ kind: 'sent', messages: [{ to: 'user', name: 'bob', text: 'hi' }] });
    expect(client.sent).toEqual(['UNICAST bob hi']);
  });

  it('passes a refusal on as an error with its code', () => {
    const client = sender({ ok: false, code: 'LINE_TOO_LONG', message: 'too long' });
    expect(submitInput(client, 'x')).toEqual({ kind: 'error', code: 'LINE_TOO_LONG', message: 'too long' });
  });

  it.each(['/quit', '/help', '/nope', ''])('sends nothing for %j', (input) => {
    const client = sender({ ok: true });
    expect(submitInput(client, input).kind).not.toBe('sent');
    expect(client.sent).toEqual([]);
  });
});

describe('/quit with a message', () => {
  it.each([
    ['/quit', { kind: 'local', action: 'quit' }],
    ['/quit   ', { kind: 'local', action: 'quit' }],
    ['/quit see you tomorrow', { kind: 'local', action: 'quit', reason: 'see you tomorrow' }],
    ['/exit  gone fishing ', { kind: 'local', action: 'quit', reason: 'gone fishing' }],
  ])('%j', (input, expected) => {
    expect(parseInput(input)).toEqual(expected);
  });
});

describe('the current target', () => {
  it.each([
    ['/query bob', { kind: 'local', action: 'target', target: { kind: 'user', name: 'bob' } }],
    ['/q bob', { kind: 'local', action: 'target', target: { kind: 'user', name: 'bob' } }],
    ['/switch team', { kind: 'local', action: 'target', target: { kind: 'group', name: 'team' } }],
    ['/query', { kind: 'local', action: 'target' }],
    ['/switch', { kind: 'local', action: 'target' }],
  ])('%j sets it', (input, expected) => {
    expect(parseInput(input)).toEqual(expected);
  });

  it('sends plain text and //text to the target, and commands as always', () => {
    const bob = { kind: 'user', name: 'bob' } as const;
    const team = { kind: 'group', name: 'team' } as const;
    expect(parseTargetedInput('hi bob', bob)).toEqual({ kind: 'send', line: 'UNICAST bob hi bob' });
    expect(parseTargetedInput('//etc', bob)).toEqual({ kind: 'send', line: 'UNICAST bob /etc' });
    expect(parseTargetedInput('ship it', team)).toEqual({ kind: 'send', line: 'GROUP_MSG team ship it' });
    expect(parseTargetedInput('/broadcast all', team)).toEqual({ kind: 'send', line: 'BROADCAST all' });
    expect(parseTargetedInput('/users', team)).toEqual({ kind: 'send', line: 'LIST_USERS' });
    expect(parseTargetedInput('hi all', undefined)).toEqual({ kind: 'send', line: 'BROADCAST hi all' });
    expect(parseTargetedInput('  ', bob)).toEqual({ kind: 'empty' });
  });
});

describe('submitInput with a line limit', () => {
  const limited = (maxLineBytes: number) => {
    const sent: string[] = [];
    return { sent, maxLineBytes, send: (line: string): SendResult => (sent.push(line), { ok: true }) };
  };

  it('counts the text against the limit, not the verb and recipient: at the limit one line, one past it two', () => {
    const prefix = 'UNICAST bob ';
    const client = limited(64);
    const fits = 'a'.repeat(64 - prefix.length);
    expect(submitInput(client, `/msg bob ${fits}`)).toEqual({ kind: 'sent', messages: [{ to: 'user', name: 'bob', text: fits }] });
    expect(client.sent).toEqual([prefix + fits]);
    client.sent.length = 0;
    submitInput(client, `/msg bob ${fits}b`);
    expect(client.sent).toEqual([prefix + fits, `${prefix}b`]);
  });

  it('splits plain text for the target on character boundaries, each line within the limit', () => {
    const client = limited(40);
    const text = 'é'.repeat(30);
    const result = submitInput(client, text, { kind: 'group', name: 'team' });
    expect(result).toEqual({ kind: 'sent', messages: [{ to: 'group', name: 'team', text }] });
    expect(client.sent.length).toBeGreaterThan(1);
    for (const line of client.sent) {
      expect(line.startsWith('GROUP_MSG team é')).toBe(true);
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(40);
    }
    expect(client.sent.map((line) => line.slice('GROUP_MSG team '.length)).join('')).toBe(text);
  });

  it('does not split what is not a message', () => {
    const client = limited(16);
    submitInput(client, '/join a-rather-long-group-name');
    expect(client.sent).toEqual(['JOIN_GROUP a-rather-long-group-name']);
  });
});

describe('/upload <path>', () => {
  it.each([
    ['/upload notes.txt', 'notes.txt'],
    ['/upload  /home/me/my notes.txt ', '/home/me/my notes.txt'],
    // Dropped on a terminal: quoted (GNOME, KDE, Windows) or escaped (macOS).
    ["/upload '/home/me/my notes (1).txt'", '/home/me/my notes (1).txt'],
    ['/upload "/home/me/say \\"hi\\".txt"', '/home/me/say "hi".txt'],
    ['/upload /Users/me/my\\ notes\\ \\(1\\).txt', '/Users/me/my notes (1).txt'],
    // A Windows path keeps its backslashes.
    ['/upload C:\\Users\\me\\report.csv', 'C:\\Users\\me\\report.csv'],
    ['/upload \\\\server\\share\\a.txt', '\\\\server\\share\\a.txt'],
  ])('%s takes %s', (line, path) => {
    expect(parseInput(line)).toMatchObject({ kind: 'local', action: 'upload', path });
  });
});
