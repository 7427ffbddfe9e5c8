// The chat server's commands and replies, driven through fake connections (no sockets, no time).
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { CLIENT_VERBS, parseServerLine } from '../../../src/protocol/chat/chat-lines.ts';
import { microtasks, startFakeChat, type FakeConnection } from '../../helpers/chat-fakes.ts';

let server: ChatServer | undefined;
let events: ChatServerEvent[] = [];

async function setup(limits: Partial<ChatLimits> = {}) {
  const chat = await startFakeChat(limits);
  ({ server, events } = chat);
  return chat;
}

afterEach(async () => {
  const s = server;
  server = undefined;
  await s?.close();
});

const last = (c: FakeConnection) => c.lines().at(-1);

describe('registration', () => {
  it('greets, listens half-open, turns on keepalive', async () => {
    const { network } = await setup();
    const c = network.connect();
    expect(parseServerLine(c.lines()[0]!).type).toBe('greeting');
    expect(network.listenOptions?.allowHalfOpen).toBe(true);
    expect(c.keepAlive).toBe(true);
  });

  it('welcomes with the count and announces to the others', async () => {
    const { join } = await setup();
    const alice = join('alice');
    expect(parseServerLine(last(alice)!)).toMatchObject({ type: 'welcome', name: 'alice', online: 1 });
    const bob = join('Bob');
    expect(parseServerLine(last(bob)!)).toMatchObject({ type: 'welcome', name: 'Bob', online: 2 });
    expect(parseServerLine(last(alice)!)).toEqual({ type: 'user-joined', name: 'Bob' });
    expect(events.filter((e) => e.type === 'register').map((e) => (e as { name: string }).name)).toEqual(['alice', 'Bob']);
  });

  it('refuses a name taken in any case, and the client may try another', async () => {
    const { join } = await setup();
    join('alice');
    const other = join('ALICE');
    expect(other.errorCodes()).toEqual(['NAME_TAKEN']);
    other.send('JOIN alice2\n');
    expect(parseServerLine(last(other)!)).toMatchObject({ type: 'welcome', name: 'alice2' });
  });

  it('checks the name length at the limit and one past it', async () => {
    const { join } = await setup({ maxNameLength: 8 });
    expect(join('a'.repeat(9)).errorCodes()).toEqual(['NAME_INVALID']);
    expect(join('a'.repeat(8)).errorCodes()).toEqual([]);
  });

  it.each(['bad name', 'x:y', 'a]b', '-dash', 'Server', 'ünï', 'tab\there'])('refuses the name %j', async (name) => {
    const { join } = await setup();
    expect(join(name).errorCodes()).toEqual(['NAME_INVALID']);
  });

  it('says a reserved name is reserved, and what makes a name invalid otherwise', async () => {
    const { join } = await setup();
    expect(last(join('SERVER'))).toBe('ERROR NAME_INVALID the name SERVER is reserved; choose another');
    expect(last(join('-dash'))).toMatch(/^ERROR NAME_INVALID invalid name "-dash": 1-\d+ of A-Z/);
  });

  it('refuses a second JOIN', async () => {
    const { join } = await setup();
    const alice = join('alice');
    alice.send('JOIN bob\n');
    expect(alice.errorCodes()).toEqual(['ALREADY_REGISTERED']);
  });

  it('answers every command but JOIN and QUIT before JOIN with NOT_REGISTERED', async () => {
    const { network } = await setup();
    const c = network.connect();
    const verbs = CLIENT_VERBS.filter((v) => v !== 'JOIN' && v !== 'QUIT');
    for (const verb of [...verbs, 'NONSENSE']) c.send(`${verb} x y\n`);
    expect(c.errorCodes()).toEqual([...verbs, 'NONSENSE'].map(() => 'NOT_REGISTERED'));
    expect(c.ended).toBe(false);
  });

  it('closes on QUIT before JOIN', async () => {
    const { network } = await setup();
    const c = network.connect();
    c.send('QUIT\n');
    expect(c.ended).toBe(true);
    await microtasks();
    expect(events.at(-1)).toMatchObject({ type: 'disconnect', reason: 'quit' });
  });
});

describe('messages', () => {
  it('broadcasts to every other user, never back to the sender', async () => {
    const { join } = await setup();
    const [a, b, c] = [join('a'), join('b'), join('c')];
    a.send('BROADCAST hello there\n');
    expect(a.linesMatching(/^\[Broadcast\]/)).toEqual([]);
    for (const other of [b, c]) expect(last(other)).toBe('[Broadcast] a: hello there');
  });

  it('writes the same bytes object to every recipient', async () => {
    const { join } = await setup();
    const [a, b, c] = [join('a'), join('b'), join('c')];
    await microtasks();
    a.send('BROADCAST x\nBROADCAST y\n');
    await microtasks();
    expect(b.writes.at(-1)).toBe(c.writes.at(-1));
  });

  it('sends all lines of one read to a recipient in one write', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    const before = b.writes.length;
    a.send('BROADCAST 1\nBROADCAST 2\nBROADCAST 3\n');
    expect(b.writes.length).toBe(before + 1);
    expect(b.linesMatching(/^\[Broadcast\]/)).toEqual(['[Broadcast] a: 1', '[Broadcast] a: 2', '[Broadcast] a: 3']);
  });

  it('unicasts to one user only, naming the sender', async () => {
    const { join } = await setup();
    const [a, b, c] = [join('a'), join('b'), join('c')];
    a.send('UNICAST B psst, quiet\n');
    expect(last(b)).toBe('[Private] a: psst, quiet');
    expect(c.linesMatching(/Private/)).toEqual([]);
    a.send('UNICAST nobody hi\n');
    expect(a.errorCodes()).toEqual(['NO_SUCH_USER']);
  });

  it('keeps message text verbatim after the separating spaces', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    a.send('broadcast   two  spaces kept  \n');
    expect(last(b)).toBe('[Broadcast] a: two  spaces kept  ');
  });

  it('cannot forge another line with control characters, CR, escapes or separators', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    const before = b.lines().length;
    a.send('BROADCAST x\r[Broadcast] b: fake\u2028[Server] y\u001b[2K\u0000\u202e\n');
    const got = b.lines().slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.startsWith('[Broadcast] a: x\uFFFD[Broadcast] b: fake\uFFFD')).toBe(true);
    expect(got[0]).not.toMatch(/[\u0000-\u001f\u2028\u202e]/);
  });

  it('turns invalid UTF-8 and binary garbage into U+FFFD without harm', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    a.send(new Uint8Array([...new TextEncoder().encode('BROADCAST '), 0xff, 0xc3, 0x28, 0x80, 0x00, 0x0a]));
    expect(last(b)).toBe('[Broadcast] a: \uFFFD\uFFFD(\uFFFD\uFFFD');
    a.send(new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)));
    a.send('\nBROADCAST still fine\n');
    expect(last(b)).toBe('[Broadcast] a: still fine');
  });

  it('answers MISSING_ARGUMENT for each command missing a required parameter', async () => {
    const { join } = await setup();
    const a = join('a');
    const lines = ['BROADCAST', 'BROADCAST    ', 'UNICAST', 'UNICAST bob', 'UNICAST bob   ', 'JOIN_GROUP', 'LEAVE_GROUP', 'GROUP_MSG g', 'GROUP_MSG'];
    for (const line of lines) a.send(`${line}\n`);
    expect(a.errorCodes()).toEqual(lines.map(() => 'MISSING_ARGUMENT'));
  });

  it('answers UNKNOWN_COMMAND, ignores blank lines, reads verbs in any case', async () => {
    const { join } = await setup();
    const a = join('a');
    const before = a.lines().length;
    a.send('\n   \r\nFOO bar\nlist_users\n');
    expect(a.lines().slice(before)).toEqual([expect.stringMatching(/^ERROR UNKNOWN_COMMAND /), '[Users] a', '[Users] 1 user, 1 in total.']);
  });

  it('runs groups: join, message to the other members only, leave, list', async () => {
    const { join } = await setup();
    const [a, b, c] = [join('a'), join('b'), join('c')];
    a.send('JOIN_GROUP team\n');
    expect(parseServerLine(last(a)!)).toEqual({ type: 'joined-group', group: 'team', members: 1 });
    b.send('JOIN_GROUP TEAM\n');
    expect(parseServerLine(last(b)!)).toEqual({ type: 'joined-group', group: 'team', members: 2 });
    expect(parseServerLine(last(a)!)).toEqual({ type: 'member-joined-group', group: 'team', name: 'b' });
    b.send('JOIN_GROUP team\n');
    expect(b.errorCodes()).toEqual(['ALREADY_IN_GROUP']);
    a.send('GROUP_MSG team hi team\n');
    expect(last(b)).toBe('[Group team] a: hi team');
    expect(a.linesMatching(/^\[Group/)).toEqual([]);
    c.send('GROUP_MSG team let me in\n');
    expect(c.errorCodes()).toEqual(['NOT_IN_GROUP']);
    expect(b.linesMatching(/let me in/)).toEqual([]);
    c.send('JOIN_GROUP other\nLIST_GROUPS\n');
    expect(parseServerLine(c.lines().at(-2)!)).toEqual({
      type: 'groups',
      groups: [
        { name: 'other', members: 1 },
        { name: 'team', members: 2 },
      ],
    });
    b.send('LEAVE_GROUP team\n');
    expect(last(b)).toBe('[Server] You left group team.');
    expect(parseServerLine(last(a)!)).toEqual({ type: 'member-left-group', group: 'team', name: 'b' });
    b.send('LEAVE_GROUP team\nJOIN_GROUP bad:name\n');
    expect(b.errorCodes()).toEqual(['ALREADY_IN_GROUP', 'NOT_IN_GROUP', 'GROUP_INVALID']);
  });

  it('forgets an empty group and a departed member', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    a.send('JOIN_GROUP solo\n');
    b.send('JOIN_GROUP duo\n');
    a.send('JOIN_GROUP duo\n');
    a.send('QUIT\n');
    b.send('LIST_GROUPS\n');
    expect(b.lines().slice(-2)).toEqual(['[Groups] duo (1)', '[Groups] 1 group, 1 in total.']);
    b.send('LEAVE_GROUP duo\nLIST_GROUPS\n');
    expect(last(b)).toBe('[Groups] 0 groups, 0 in total.');
  });

  it('lists users sorted, split over lines that stay under max-line-bytes', async () => {
    const { join } = await setup({ maxLineBytes: 64, maxConnectionsPerIp: 100 });
    const names = Array.from({ length: 30 }, (_, i) => `user${String(i).padStart(2, '0')}`);
    const conns = [...names].reverse().map((n) => join(n));
    conns[0]!.send('LIST_USERS\n');
    const [end, ...lists] = conns[0]!.linesMatching(/^\[Users\]/).reverse();
    lists.reverse();
    expect(end).toBe('[Users] 30 users, 30 in total.');
    expect(lists.length).toBeGreaterThan(1);
    for (const line of lists) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(64);
    expect(lists.flatMap((l) => (parseServerLine(l) as { names: string[] }).names)).toEqual(names);
  });

  it('answers PING with PONG and the token, PONG silently, HELP with every command, LIMITS with the pacing keys', async () => {
    const { join } = await setup({ floodBurst: 7, floodLinesPerSecond: 3 });
    const a = join('a');
    const before = a.lines().length;
    a.send('PING abc\nPING\nPONG whatever\n');
    expect(a.lines().slice(before)).toEqual(['PONG abc', 'PONG']);
    a.send('HELP\n');
    const help = a.linesMatching(/^\[Help\]/);
    for (const verb of CLIENT_VERBS) expect(help.some((h) => h.startsWith(`[Help] ${verb}`))).toBe(true);
    a.send('LIMITS\n');
    expect(parseServerLine(last(a)!)).toMatchObject({
      type: 'limits',
      limits: { 'max-line-bytes': 4096, 'flood-burst': 7, 'flood-lines-per-second': 3, 'flood-max-delayed-lines': 100 },
    });
  });
});

describe('framing', () => {
  const script = 'BROADCAST héllo wörld 日本 🎉\r\nUNICAST b ünïcode ✓\nJOIN_GROUP g\r\nGROUP_MSG g 👋 hi\n';
  const bytes = new TextEncoder().encode(script);

  async function relay(split: (c: FakeConnection) => void) {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    b.send('JOIN_GROUP g\n');
    const before = b.lines().length;
    split(a);
    return b.lines().slice(before);
  }

  it('relays the same lines however the bytes are split: whole, one byte at a time, at every offset', async () => {
    const whole = await relay((a) => a.send(bytes));
    expect(whole).toEqual([
      '[Broadcast] a: héllo wörld 日本 🎉',
      '[Private] a: ünïcode ✓',
      '[Server] a joined group g.',
      '[Group g] a: 👋 hi',
    ]);
    expect(await relay((a) => bytes.forEach((byte) => a.send(new Uint8Array([byte]))))).toEqual(whole);
    for (let offset = 1; offset < bytes.length; offset++) {
      const got = await relay((a) => {
        a.send(bytes.subarray(0, offset));
        a.send(bytes.subarray(offset));
      });
      expect(got, `split at ${offset}`).toEqual(whole);
      await server!.close();
    }
  });
});

describe('leaving', () => {
  it('QUIT processes everything before it, says goodbye last, then ends the connection', async () => {
    const { join } = await setup();
    const [a, b] = [join('a'), join('b')];
    a.send('BROADCAST one\nLIST_USERS\nQUIT see you\nBROADCAST never\n');
    expect(a.lines().slice(-3)).toEqual(['[Users] a, b', '[Users] 2 users, 2 in total.', '[Server] Goodbye, a.']);
    expect(a.ended).toBe(true);
    expect(b.lines().slice(-2)).toEqual(['[Broadcast] a: one', '[Server] a has left the chat (quit: see you).']);
    await microtasks();
    expect(events.at(-1)).toMatchObject({ type: 'disconnect', name: 'a', reason: 'quit', message: 'see you' });
  });

  it('announces a peer that closed, and one whose connection was reset', async () => {
    const { join } = await setup();
    const [a, b, c] = [join('a'), join('b'), join('c')];
    a.peerEnd();
    expect(a.ended).toBe(true);
    expect(last(c)).toBe('[Server] a has left the chat (connection closed by peer).');
    b.emitClose(true);
    expect(last(c)).toBe('[Server] b has left the chat (connection reset).');
    await microtasks();
    const reasons = events.filter((e) => e.type === 'disconnect').map((e) => (e as { name: string; reason: string }));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'a', reason: 'closed-by-peer' }),
        expect.objectContaining({ name: 'b', reason: 'reset' }),
      ]),
    );
    c.send('LIST_USERS\n');
    expect(c.lines().slice(-2)).toEqual(['[Users] c', '[Users] 1 user, 1 in total.']);
  });

  it('does not announce someone who never registered', async () => {
    const { network, join } = await setup();
    const a = join('a');
    const before = a.lines().length;
    network.connect().emitClose(false);
    expect(a.lines().length).toBe(before);
  });

  it('frees the name for the next user', async () => {
    const { join } = await setup();
    join('a').peerEnd();
    await microtasks();
    expect(join('A').errorCodes()).toEqual([]);
  });
});
