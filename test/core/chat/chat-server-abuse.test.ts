// What one attacker can make the chat server do to everyone else, on fake connections and a
// fake clock so that every count is exact: reconnect loops, connection storms.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
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

const broadcasts = (c: FakeConnection) => c.linesMatching(/^\[Broadcast\]/).length;
const refusals = (code: string) => events.filter((e) => e.type === 'refuse' && e.code === code).length;

describe('reconnecting', () => {
  it('does not refill flood control: one address sends at most max-per-ip connections’ worth', async () => {
    // The loop that delivered ~58,000 broadcasts/s: connect, JOIN, 8 × BROADCAST, QUIT.
    const { network, clock, join } = await setup({ floodBurst: 10, floodLinesPerSecond: 5, maxConnectionsPerIp: 16, connectRatePerIp: 0 });
    const watcher = join('watcher', '10.9.9.9');
    const cycle = (i: number) =>
      network.connect('10.0.0.1').send(`JOIN c${i}\n${'BROADCAST x\n'.repeat(8)}QUIT\n`);
    for (let i = 0; i < 100; i++) {
      cycle(i);
      await microtasks();
    }
    // The address's shared bucket holds 16 × 10 lines: 16 cycles of 10 lines, 8 broadcasts each;
    // the next 16 connections wait for tokens, and the rest are refused.
    expect(broadcasts(watcher)).toBe(128);
    expect(server!.connectionCount).toBe(1 + 16);
    expect(refusals('TOO_MANY_CONNECTIONS')).toBe(100 - 32);
    // Then 16 × 5 = 80 lines a second, however the lines are spread over connections.
    clock.advance(1000);
    expect(broadcasts(watcher)).toBeLessThanOrEqual(128 + 80);
    expect(broadcasts(watcher)).toBeGreaterThanOrEqual(128 + 60);
  });

  it('keeps the address’s bucket after its last connection closed', async () => {
    const { network, clock, join } = await setup({ floodBurst: 2, floodLinesPerSecond: 1, maxConnectionsPerIp: 2, connectRatePerIp: 0 });
    const watcher = join('watcher', '10.9.9.9');
    const a = network.connect('10.0.0.1');
    a.send('JOIN a\nBROADCAST 1\n');
    a.emitClose(false);
    const b = network.connect('10.0.0.1');
    b.send('JOIN b\nBROADCAST 2\n');
    b.emitClose(false);
    const c = network.connect('10.0.0.1');
    c.send('JOIN c\nBROADCAST 3\n');
    // 4 tokens for the address: a's two lines and b's two; c waits for the refill.
    expect(broadcasts(watcher)).toBe(2);
    expect(c.paused).toBe(true);
    clock.advance(1000);
    expect(broadcasts(watcher)).toBe(3);
  });

  it('starts each new connection with a full bucket of its own, so a client pacing itself is never held', async () => {
    const { network, join } = await setup({ floodBurst: 5, floodLinesPerSecond: 1, maxConnectionsPerIp: 4, connectRatePerIp: 0 });
    const watcher = join('watcher', '10.9.9.9');
    for (let i = 0; i < 4; i++) {
      const c = network.connect('10.0.0.1');
      c.send(`JOIN p${i}\n${'BROADCAST x\n'.repeat(4)}`);
      expect(c.paused).toBe(false);
    }
    expect(broadcasts(watcher)).toBe(16);
  });

  it('counts an IPv6 /64 as one address', async () => {
    const { network } = await setup({ maxConnectionsPerIp: 2, connectRatePerIp: 0 });
    network.connect('2001:db8:0:1::1');
    network.connect('2001:db8:0:1::2');
    expect(network.connect('2001:db8:0:1::3').errorCodes()).toEqual(['TOO_MANY_CONNECTIONS']);
    expect(network.connect('2001:db8:0:2::1').errorCodes()).toEqual([]);
  });
});

describe('join and leave storms', () => {
  it('cost each user at most announce-rate notices a second and one line summing up the rest', async () => {
    const { network, clock, join } = await setup({ announceMaxPerSecond: 10, connectRatePerIp: 0, maxConnectionsPerIp: 1000 });
    const watcher = join('watcher');
    const before = watcher.lines().length;
    for (let i = 0; i < 600; i++) {
      network.connect(`10.0.${i >> 8}.${i & 255}`).send(`JOIN storm${i}\nQUIT\n`);
      await microtasks();
    }
    const notices = watcher.lines().slice(before);
    expect(notices).toHaveLength(10);
    expect(notices.slice(0, 2)).toEqual(['[Server] storm0 has joined the chat.', '[Server] storm0 has left the chat (quit).']);
    clock.advance(1000);
    expect(watcher.lines().slice(before + 10)).toEqual(['[Server] Not announced: 595 joins and 595 leaves (more than 10 a second).']);
    clock.advance(5000);
    expect(watcher.lines()).toHaveLength(before + 11);
  });

  it('announces announce-rate notices a second and holds back the next', async () => {
    const { network, clock, join } = await setup({ announceMaxPerSecond: 3, connectRatePerIp: 0 });
    const watcher = join('watcher');
    const before = watcher.lines().length;
    for (const name of ['a', 'b', 'c', 'd']) network.connect().send(`JOIN ${name}\n`);
    expect(watcher.lines().slice(before)).toEqual(['a', 'b', 'c'].map((n) => `[Server] ${n} has joined the chat.`));
    // The summary comes before the first notice of the next second.
    clock.advance(1000);
    network.connect().send('JOIN e\n');
    expect(watcher.lines().slice(before + 3)).toEqual([
      '[Server] Not announced: 1 join and 0 leaves (more than 3 a second).',
      '[Server] e has joined the chat.',
    ]);
  });

  it('announces every join and leave with announce-rate 0', async () => {
    const { network, join } = await setup({ announceMaxPerSecond: 0, connectRatePerIp: 0, maxConnectionsPerIp: 1000 });
    const watcher = join('watcher');
    const before = watcher.lines().length;
    for (let i = 0; i < 100; i++) network.connect().send(`JOIN s${i}\nQUIT\n`);
    await microtasks();
    expect(watcher.lines().length - before).toBe(200);
  });
});

describe('groups', () => {
  it('lets a user be in max-groups-per-user groups and refuses one more with TOO_MANY_GROUPS', async () => {
    const { join } = await setup({ maxGroupsPerUser: 3 });
    const a = join('a');
    a.send('JOIN_GROUP g1\nJOIN_GROUP g2\nJOIN_GROUP g3\nJOIN_GROUP g4\n');
    expect(a.errorCodes()).toEqual(['TOO_MANY_GROUPS']);
    a.send('LEAVE_GROUP g1\nJOIN_GROUP g4\n');
    expect(a.lines().at(-1)).toBe('[Server] You joined group g4 (1 member).');
    expect(a.errorCodes()).toEqual(['TOO_MANY_GROUPS']);
  });

  it('holds max-groups groups and refuses a new one with GROUPS_FULL, but not joining an existing one', async () => {
    const { join } = await setup({ maxGroups: 3 });
    const [a, b] = [join('a'), join('b')];
    a.send('JOIN_GROUP g1\nJOIN_GROUP g2\n');
    b.send('JOIN_GROUP g3\nJOIN_GROUP g4\nJOIN_GROUP g1\n');
    expect(b.errorCodes()).toEqual(['GROUPS_FULL']);
    expect(b.lines().at(-1)).toBe('[Server] You joined group g1 (2 members).');
    b.send('LEAVE_GROUP g3\nJOIN_GROUP g4\n');
    expect(b.lines().at(-1)).toBe('[Server] You joined group g4 (1 member).');
  });

  it('cannot be created forever by reconnecting: a user’s groups go when the user does', async () => {
    const { network } = await setup({ maxGroups: 10, maxGroupsPerUser: 5, connectRatePerIp: 0 });
    for (let i = 0; i < 10; i++) {
      network.connect().send(`JOIN u${i}\n${Array.from({ length: 5 }, (_, k) => `JOIN_GROUP g${i}x${k}\n`).join('')}QUIT\n`);
      await microtasks();
    }
    expect(server!.registry.groupCount).toBe(0);
  });

  it('announces group joins and leaves up to group-announce-limit members and not one more', async () => {
    const { join } = await setup({ groupAnnounceMaxMembers: 3 });
    const [a, b, c, d] = [join('a'), join('b'), join('c'), join('d')];
    for (const member of [a, b, c, d]) member.send('JOIN_GROUP team\n');
    expect(a.linesMatching(/joined group team\.$/)).toEqual(['[Server] b joined group team.', '[Server] c joined group team.']);
    d.send('LEAVE_GROUP team\n');
    expect(a.linesMatching(/left group team\.$/)).toEqual([]);
    c.send('LEAVE_GROUP team\n');
    expect(a.linesMatching(/left group team\.$/)).toEqual(['[Server] c left group team.']);
  });

  it('costs 300 members joining one group a bounded number of lines', async () => {
    const { join } = await setup({ groupAnnounceMaxMembers: 100, maxConnectionsPerIp: 1000, connectRatePerIp: 0, announceMaxUsers: 1 });
    const members = Array.from({ length: 300 }, (_, i) => join(`m${i}`));
    for (const member of members) member.send('JOIN_GROUP big\n');
    const notices = members.reduce((sum, m) => sum + m.linesMatching(/ joined group big\.$/).length, 0);
    // 1 + 2 + … + 99: only while the group has at most 100 members (without the limit: 44,850).
    expect(notices).toBe((99 * 100) / 2);
  });
});

describe('connect rate', () => {
  it('accepts max-per-ip new connections at once and refuses one more with CONNECTING_TOO_FAST', async () => {
    const { network, clock } = await setup({ maxConnectionsPerIp: 3, connectRatePerIp: 2 });
    for (let i = 0; i < 3; i++) {
      const c = network.connect('10.0.0.1');
      expect(c.errorCodes()).toEqual([]);
      c.emitClose(false);
    }
    const refused = network.connect('10.0.0.1');
    expect(refused.errorCodes()).toEqual(['CONNECTING_TOO_FAST']);
    expect(refused.ended).toBe(true);
    expect(network.connect('10.0.0.2').errorCodes()).toEqual([]);
    clock.advance(499);
    expect(network.connect('10.0.0.1').errorCodes()).toEqual(['CONNECTING_TOO_FAST']);
    clock.advance(1);
    expect(network.connect('10.0.0.1').errorCodes()).toEqual([]);
  });

  it('reports a reconnect loop once, not once per refused connection', async () => {
    const { network } = await setup({ maxConnectionsPerIp: 2, connectRatePerIp: 1 });
    for (let i = 0; i < 50; i++) network.connect('10.0.0.1').emitClose(false);
    expect(refusals('CONNECTING_TOO_FAST')).toBe(1);
    expect(events.filter((e) => e.type === 'connect')).toHaveLength(2);
  });

  it('is off with connect-rate 0', async () => {
    const { network } = await setup({ maxConnectionsPerIp: 2, connectRatePerIp: 0 });
    for (let i = 0; i < 50; i++) {
      const c = network.connect('10.0.0.1');
      expect(c.errorCodes()).toEqual([]);
      c.emitClose(false);
    }
  });
});
