// LIST_USERS and LIST_GROUPS a page at a time, with the continuation the files listing uses,
// and what a listing costs in flood control. Fake connections and clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { parseServerLine } from '../../../src/protocol/chat/chat-lines.ts';
import { startFakeChat, type FakeConnection } from '../../helpers/chat-fakes.ts';

let server: ChatServer | undefined;

async function setup(limits: Partial<ChatLimits> = {}) {
  const chat = await startFakeChat({ connectRatePerIp: 0, maxConnectionsPerIp: 1000, ...limits });
  server = chat.server;
  return chat;
}

afterEach(async () => {
  const s = server;
  server = undefined;
  await s?.close();
});

/** The lines `command` got back. */
function ask(c: FakeConnection, command: string): string[] {
  const before = c.lines().length;
  c.send(`${command}\n`);
  return c.lines().slice(before);
}

describe('LIST_USERS', () => {
  it('lists list-page users and says so, and one more gives a page and where to continue', async () => {
    const { join } = await setup({ listPageEntries: 3 });
    const [a] = [join('a'), join('B'), join('c')];
    expect(ask(a!, 'LIST_USERS')).toEqual(['[Users] a, B, c', '[Users] 3 users, 3 in total.']);
    join('d');
    expect(ask(a!, 'LIST_USERS')).toEqual(['[Users] a, B, c', '[Users] 3 users, 4 in total. More: LIST_USERS AFTER c']);
    expect(ask(a!, 'LIST_USERS AFTER c')).toEqual(['[Users] d', '[Users] 1 user, 4 in total.']);
  });

  it('continues after a name in any case, present or not', async () => {
    const { join } = await setup({ listPageEntries: 2 });
    const a = join('a');
    for (const name of ['bob', 'Carl', 'dora']) join(name);
    expect(ask(a, 'list_users after BOB')).toEqual(['[Users] Carl, dora', '[Users] 2 users, 4 in total.']);
    expect(ask(a, 'LIST_USERS AFTER c')).toEqual(['[Users] Carl, dora', '[Users] 2 users, 4 in total.']);
    expect(ask(a, 'LIST_USERS AFTER zz')).toEqual(['[Users] 0 users, 4 in total.']);
  });

  it('walks every user exactly once, page by page', async () => {
    const { join } = await setup({ listPageEntries: 7 });
    const a = join('u000');
    for (let i = 1; i < 50; i++) join(`u${String(i).padStart(3, '0')}`);
    const seen: string[] = [];
    let command = 'LIST_USERS';
    for (let pages = 0; pages < 20; pages++) {
      const reply = ask(a, command).map(parseServerLine);
      for (const event of reply) if (event.type === 'users') seen.push(...event.names);
      const end = reply.at(-1)!;
      expect(end.type).toBe('users-end');
      if (end.type !== 'users-end' || end.continueAfter === undefined) break;
      command = `LIST_USERS AFTER ${end.continueAfter}`;
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `u${String(i).padStart(3, '0')}`));
  });

  it('refuses anything but AFTER <name> with the syntax', async () => {
    const { join } = await setup();
    const a = join('a');
    for (const bad of ['LIST_USERS now', 'LIST_USERS AFTER']) {
      expect(ask(a, bad)).toEqual([expect.stringMatching(/^ERROR MISSING_ARGUMENT usage: LIST_USERS \[AFTER <name>\]$/)]);
    }
  });

  it('splits a page longer than a line over several lines', async () => {
    const { join } = await setup({ maxLineBytes: 64, listPageEntries: 100 });
    const a = join('a');
    for (let i = 0; i < 30; i++) join(`user${String(i).padStart(2, '0')}`);
    const reply = ask(a, 'LIST_USERS');
    expect(reply.length).toBeGreaterThan(3);
    expect(reply.at(-1)).toBe('[Users] 31 users, 31 in total.');
    for (const line of reply) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(64);
  });
});

describe('LIST_GROUPS', () => {
  it('pages groups with their member counts the same way', async () => {
    const { join } = await setup({ listPageEntries: 2 });
    const [a, b] = [join('a'), join('b')];
    expect(ask(a, 'LIST_GROUPS')).toEqual(['[Groups] 0 groups, 0 in total.']);
    a.send('JOIN_GROUP x\nJOIN_GROUP Y\nJOIN_GROUP z\n');
    b.send('JOIN_GROUP y\n');
    expect(ask(a, 'LIST_GROUPS')).toEqual(['[Groups] x (1), Y (2)', '[Groups] 2 groups, 3 in total. More: LIST_GROUPS AFTER Y']);
    expect(ask(a, 'LIST_GROUPS AFTER Y')).toEqual(['[Groups] z (1)', '[Groups] 1 group, 3 in total.']);
    a.send('LEAVE_GROUP x\n');
    expect(ask(a, 'LIST_GROUPS')).toEqual(['[Groups] Y (2), z (1)', '[Groups] 2 groups, 2 in total.']);
  });
});

describe('what a listing costs', () => {
  // 5 tokens, one back a second; lines of at most 100 bytes.
  const flood = { floodBurst: 5, floodLinesPerSecond: 1, floodMaxDelayedLines: 100, maxLineBytes: 100, listPageEntries: 100 };

  it('charges a reply one token per max-line-bytes it sends', async () => {
    const { join, network } = await setup(flood);
    for (let i = 0; i < 12; i++) join(`user${String(i).padStart(2, '0')}`, `10.1.0.${i}`);
    const a = network.connect('10.2.0.1');
    a.send('JOIN lister\nLIST_USERS\n');
    const reply = a.lines().filter((line) => line.startsWith('[Users]'));
    const bytes = reply.reduce((sum, line) => sum + new TextEncoder().encode(`${line}\n`).length, 0);
    const cost = Math.ceil(bytes / 100);
    expect(cost).toBeGreaterThan(1);
    // JOIN took 1 token and LIST_USERS `cost`: what is left of 5 answers PINGs at once.
    a.send('PING 1\nPING 2\nPING 3\nPING 4\n');
    const left = Math.max(0, 5 - 1 - cost);
    expect(a.linesMatching(/^PONG/)).toHaveLength(left);
    expect(a.paused).toBe(true);
  });

  it('charges nothing extra for a reply of at most max-line-bytes', async () => {
    const { network } = await setup(flood);
    const a = network.connect('10.2.0.1');
    a.send('JOIN a\nLIST_USERS\nPING 1\nPING 2\nPING 3\n');
    expect(a.linesMatching(/^PONG/)).toHaveLength(3);
    expect(a.paused).toBe(false);
  });

  it('lets looping an expensive listing end in FLOOD, not in the server’s CPU', async () => {
    const { join, network } = await setup({ ...flood, floodMaxDelayedLines: 5 });
    for (let i = 0; i < 40; i++) join(`user${String(i).padStart(2, '0')}`, `10.1.0.${i}`);
    const a = network.connect('10.2.0.1');
    a.send(`JOIN lister\n${'LIST_USERS\n'.repeat(20)}`);
    expect(a.errorCodes()).toEqual(['FLOOD']);
    expect(a.linesMatching(/^\[Users\] \d+ users, /)).toHaveLength(1);
  });
});
