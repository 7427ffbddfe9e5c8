// What one attacker can make the chat server do, on real sockets on 127.0.0.1. Rates are set so
// low that nothing refills during a test: every outcome is decided by counts, never by timing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { FileService } from '../../../src/core/files/file-service.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { BytePeer } from '../../helpers/byte-peer.ts';
import { openRealFileService } from '../../helpers/real-file-service.ts';

let server: ChatServer | undefined;
const clients: LineClient[] = [];
let events: ChatServerEvent[] = [];
let eventWaiters: Array<() => void> = [];

async function start(limits: Partial<ChatLimits>, clock?: FakeClock, files?: FileService): Promise<number> {
  events = [];
  server = await startChatServer(getRuntime(), {
    host: '127.0.0.1',
    port: 0,
    limits,
    ...(clock && { clock, sweepIntervalMs: 100 }),
    ...(files && { files }),
    onEvent: (event) => {
      events.push(event);
      const waiters = eventWaiters;
      eventWaiters = [];
      for (const wake of waiters) wake();
    },
    closeGraceMs: 300,
  });
  return server.address.port;
}

/** Resolve once `condition` holds, re-checked on every server event. */
function untilEvent(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`condition not met; events: ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
    const check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      } else eventWaiters.push(check);
    };
    check();
  });
}

async function connect(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push(client);
  return client;
}

const disconnects = () => events.filter((e) => e.type === 'disconnect').length;

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  const s = server;
  server = undefined;
  await s?.close();
});

describe('reconnecting on real sockets', () => {
  it('starts a new connection with its address’s drained flood bucket', async () => {
    // One connection's worth for the address: three lines, never refilled during the test.
    const port = await start({ floodBurst: 3, floodLinesPerSecond: 0.001, floodMaxDelayedLines: 1, maxConnectionsPerIp: 1, connectRatePerIp: 0 });
    const first = await connect(port);
    first.send('JOIN c1\nBROADCAST one\nQUIT\n');
    await first.waitForLine('[Server] Goodbye, c1.');
    await untilEvent(() => disconnects() === 1);
    // The same three lines again: the address has no token left, so they are held, and more
    // than one held line is a flood.
    const second = await connect(port);
    second.send('JOIN c2\nBROADCAST two\nQUIT\n');
    await second.waitForLine(/^ERROR FLOOD /);
    await second.waitForClose();
    expect(second.lines).not.toContain('[Server] Goodbye, c2.');
  });

  it('refuses connections past the burst with CONNECTING_TOO_FAST', async () => {
    const port = await start({ maxConnectionsPerIp: 2, connectRatePerIp: 0.001 });
    for (let i = 1; i <= 2; i++) {
      const client = await connect(port);
      client.send(`JOIN c${i}\nQUIT\n`);
      await client.waitForClose();
      await untilEvent(() => disconnects() === i);
    }
    const third = await connect(port);
    await third.waitForLine(/^ERROR CONNECTING_TOO_FAST /);
    await third.waitForClose();
    expect(events.filter((e) => e.type === 'refuse')).toEqual([expect.objectContaining({ code: 'CONNECTING_TOO_FAST' })]);
  });
});

describe('join and leave storms on real sockets', () => {
  it('cost a watcher announce-rate notices and one summary, not a line per join and leave', async () => {
    // Real sockets, but the server's clock stands still: the whole storm falls in one second.
    const clock = new FakeClock();
    const port = await start({ announceMaxPerSecond: 10, connectRatePerIp: 0, maxConnectionsPerIp: 1000, floodBurst: 0 }, clock);
    const watcher = await connect(port);
    watcher.sendLine('JOIN watcher');
    await watcher.waitForLine(/^\[Server\] Welcome, watcher!/);
    const before = watcher.lines.length;
    const cycles = 600;
    for (let start = 0; start < cycles; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const client = await connect(port);
          client.send(`JOIN storm${start + k}\nQUIT\n`);
          await client.waitForClose();
        }),
      );
    }
    await untilEvent(() => disconnects() === cycles);
    clock.advance(1000);
    const summary = await watcher.waitForLine(/^\[Server\] Not announced: /, { from: before });
    expect(summary).toBe('[Server] Not announced: 595 joins and 595 leaves (more than 10 a second).');
    const received = watcher.lines.slice(before);
    expect(received).toHaveLength(11);
    expect(new TextEncoder().encode(received.join('\n')).length).toBeLessThan(1024);
  }, 30_000);
});

describe('groups on real sockets', () => {
  it('stop one user at max-groups-per-user and the server at max-groups', async () => {
    const port = await start({ maxGroupsPerUser: 5, maxGroups: 8, floodBurst: 0 });
    const [a, b] = await Promise.all([connect(port), connect(port)]);
    a.send(`JOIN a\n${Array.from({ length: 6 }, (_, i) => `JOIN_GROUP a${i}\n`).join('')}`);
    await a.waitForLine(/^ERROR TOO_MANY_GROUPS /);
    expect(a.lines.filter((l) => l.startsWith('[Server] You joined group'))).toHaveLength(5);
    b.send(`JOIN b\n${Array.from({ length: 4 }, (_, i) => `JOIN_GROUP b${i}\n`).join('')}JOIN_GROUP a0\n`);
    await b.waitForLine(/^ERROR GROUPS_FULL /);
    await b.waitForLine('[Server] You joined group a0 (2 members).');
    expect(server!.registry.groupCount).toBe(8);
  });
});

describe('listings on real sockets', () => {
  it('answer LIST_GROUPS a page at a time, and the pages hold every group once', async () => {
    const port = await start({ maxGroupsPerUser: 2000, floodBurst: 0 });
    const creator = await connect(port);
    creator.send(`JOIN creator\n${Array.from({ length: 2000 }, (_, i) => `JOIN_GROUP g${String(i).padStart(4, '0')}\n`).join('')}`);
    await creator.waitForLine('[Server] You joined group g1999 (1 member).');
    const lister = await connect(port);
    lister.sendLine('JOIN lister');
    await lister.waitForLine(/^\[Server\] Welcome, lister!/);
    const seen: string[] = [];
    let command = 'LIST_GROUPS';
    for (let pages = 1; pages <= 10; pages++) {
      const from = lister.lines.length;
      lister.sendLine(command);
      const end = await lister.waitForLine(/^\[Groups\] \d+ groups?, /, { from });
      const reply = lister.lines.slice(from, lister.lines.indexOf(end, from));
      const names = reply.flatMap((line) => line.slice('[Groups] '.length).split(', ').map((entry) => entry.split(' ')[0]!));
      expect(names.length).toBeLessThanOrEqual(500);
      seen.push(...names);
      const more = / More: LIST_GROUPS AFTER (\S+)$/.exec(end);
      if (!more) {
        expect(pages).toBe(4);
        break;
      }
      expect(end).toBe(`[Groups] 500 groups, 2000 in total. More: LIST_GROUPS AFTER ${names.at(-1)}`);
      command = `LIST_GROUPS AFTER ${more[1]}`;
    }
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => `g${String(i).padStart(4, '0')}`));
  }, 30_000);

  it('charge a looped listing at its size, so looping it ends in FLOOD', async () => {
    // 10 tokens, never refilled during the test; a page of 300 groups is about six 512-byte lines.
    const port = await start({ floodBurst: 10, floodLinesPerSecond: 0.001, floodMaxDelayedLines: 3, maxLineBytes: 512, maxGroupsPerUser: 300 });
    const owner = { name: undefined as string | undefined, groups: undefined, sendBytes() {} };
    server!.registry.add(owner, 'owner');
    for (let i = 0; i < 300; i++) server!.registry.joinGroup(owner as typeof owner & { name: string }, `g${i}`);
    const lister = await connect(port);
    lister.send(`JOIN lister\n${'LIST_GROUPS\n'.repeat(20)}`);
    await lister.waitForLine(/^ERROR FLOOD /);
    // JOIN and one listing spend 7 tokens, the second listing the rest: the third waits, and
    // so do the next three, one too many. Uncharged, 9 listings would have been answered.
    expect(lister.lines.filter((line) => /^\[Groups\] \d+ groups?, /.test(line))).toHaveLength(2);
  });
});

describe('file transfers on real sockets', () => {
  it('give their connect token back when done: a folder sent file by file is not throttled', async () => {
    const shared = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-abuse-files-'));
    try {
      const service = await openRealFileService(shared);
      // A burst of 4 connections, and no refill during the test.
      const port = await start({ maxConnectionsPerIp: 4, connectRatePerIp: 0.001 }, undefined, service);
      for (let i = 0; i < 12; i++) {
        const upload = await BytePeer.connect(port);
        upload.send(`UPLOAD_RAW file${i}.txt\n`);
        upload.end(`content ${i}\n`);
        expect(await upload.lineMatching(/^FILE_STORED |^ERROR /)).toMatch(new RegExp(`^FILE_STORED \\d+ [0-9a-f]{64} file${i}\\.txt$`));
        await upload.waitForClose();
        await untilEvent(() => disconnects() === i + 1);
      }
      // A connection that transfers nothing keeps its token spent.
      for (let i = 0; i < 4; i++) {
        const idle = await connect(port);
        idle.send('QUIT\n');
        await idle.waitForClose();
      }
      const refused = await connect(port);
      await refused.waitForLine(/^ERROR CONNECTING_TOO_FAST /);
    } finally {
      await fs.rm(shared, { recursive: true, force: true });
    }
  });
});
