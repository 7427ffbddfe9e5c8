// A session whose command handler is asynchronous, as a name claimed across a cluster will be:
// the lines after it wait, in order, and flood control and the per-session limits still apply.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../../src/core/chat/command-table.ts';
import type { ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { startFakeChat, type FakeConnection } from '../../helpers/chat-fakes.ts';

let server: ChatServer | undefined;

async function setup(limits: Partial<ChatLimits> = {}) {
  const chat = await startFakeChat(limits);
  server = chat.server;
  return chat;
}

afterEach(async () => {
  vi.restoreAllMocks();
  const s = server;
  server = undefined;
  await s?.close();
});

/** From now on JOIN waits for `finish()` before it does its work; returns the control. */
function makeJoinAsync() {
  const original = COMMANDS.JOIN.handler;
  const waiting: Array<() => void> = [];
  vi.spyOn(COMMANDS.JOIN, 'handler').mockImplementation(async (session, args) => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    if (session.writable) await original(session, args);
  });
  return {
    /** Let the oldest unfinished JOIN complete. */
    finish: () => waiting.shift()!(),
    get unfinished() {
      return waiting.length;
    },
  };
}

/** Resolves once every promise callback and microtask queued so far has run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

const sinceJoin = (c: FakeConnection) => c.lines().slice(1);

describe('a command that finishes later', () => {
  it('holds the lines after it, in order, and stops reading until it finishes', async () => {
    const { join, network } = await setup();
    const watcher = join('watcher');
    const join_ = makeJoinAsync();
    const a = network.connect();
    a.send('JOIN ann\nBROADCAST one\nLIST_USERS\nQUIT bye\n');
    await settled();
    expect(join_.unfinished).toBe(1);
    expect(sinceJoin(a)).toEqual([]);
    expect(a.paused).toBe(true);
    expect(watcher.linesMatching(/ann/)).toEqual([]);
    join_.finish();
    await settled();
    expect(sinceJoin(a)).toEqual([
      '[Server] Welcome, ann! 2 users online. Type HELP for commands.',
      '[Users] ann, watcher',
      '[Users] 2 users, 2 in total.',
      '[Server] Goodbye, ann.',
    ]);
    expect(watcher.linesMatching(/ann/)).toEqual([
      '[Server] ann has joined the chat.',
      '[Broadcast] ann: one',
      '[Server] ann has left the chat (quit: bye).',
    ]);
    expect(a.ended).toBe(true);
  });

  it('resumes reading once the held lines are done, and later commands wait again', async () => {
    const { network } = await setup();
    const join_ = makeJoinAsync();
    const a = network.connect();
    a.send('JOIN taken-by-nobody\nPING 1\n');
    join_.finish();
    await settled();
    expect(sinceJoin(a).slice(1)).toEqual(['PONG 1']);
    expect(a.paused).toBe(false);
    a.send('JOIN again\nPING 2\n');
    expect(join_.unfinished).toBe(1);
    expect(a.paused).toBe(true);
    join_.finish();
    await settled();
    expect(a.errorCodes()).toEqual(['ALREADY_REGISTERED']);
    expect(a.lines().at(-1)).toBe('PONG 2');
    expect(a.paused).toBe(false);
  });

  it('charges the held lines to flood control and paces them when they run', async () => {
    const { network, join, clock } = await setup({ floodBurst: 3, floodLinesPerSecond: 10, floodMaxDelayedLines: 4 });
    const watcher = join('watcher');
    const join_ = makeJoinAsync();
    const a = network.connect();
    a.send('JOIN ann\nBROADCAST 1\nBROADCAST 2\nBROADCAST 3\nBROADCAST 4\n');
    join_.finish();
    await settled();
    // JOIN took one of the three tokens: two broadcasts now, the others one token apart.
    expect(watcher.linesMatching(/^\[Broadcast\]/)).toEqual(['[Broadcast] ann: 1', '[Broadcast] ann: 2']);
    expect(a.paused).toBe(true);
    clock.advance(100);
    expect(watcher.linesMatching(/^\[Broadcast\]/)).toHaveLength(3);
    clock.advance(100);
    expect(watcher.linesMatching(/^\[Broadcast\]/)).toHaveLength(4);
    expect(a.paused).toBe(false);
  });

  it('holds up to flood-max-delayed lines behind it and disconnects at one more with FLOOD', async () => {
    const { network } = await setup({ floodBurst: 3, floodLinesPerSecond: 10, floodMaxDelayedLines: 4 });
    const join_ = makeJoinAsync();
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `PING ${i}\n`).join('');
    const atLimit = network.connect();
    atLimit.send(`JOIN ann\n${lines(4)}`);
    const past = network.connect();
    past.send(`JOIN bob\n${lines(5)}`);
    expect(atLimit.ended).toBe(false);
    expect(past.errorCodes()).toEqual(['FLOOD']);
    expect(past.ended).toBe(true);
    join_.finish();
    join_.finish();
    await settled();
    // The closed session's JOIN found it closed and registered nobody.
    expect(server!.registry.userPage(undefined, 100).entries).toEqual(['ann']);
  });

  it('processes the held lines after the peer half-closes, then closes', async () => {
    const { network, join } = await setup();
    const watcher = join('watcher');
    const join_ = makeJoinAsync();
    const a = network.connect();
    a.send('JOIN ann\nBROADCAST last words\n');
    a.peerEnd();
    expect(a.ended).toBe(false);
    join_.finish();
    await settled();
    expect(watcher.linesMatching(/ann/)).toEqual([
      '[Server] ann has joined the chat.',
      '[Broadcast] ann: last words',
      '[Server] ann has left the chat (connection closed by peer).',
    ]);
    expect(a.ended).toBe(true);
  });

  it('drops the held lines when the connection breaks meanwhile; finishing later writes nothing', async () => {
    const { network, join } = await setup();
    const watcher = join('watcher');
    const join_ = makeJoinAsync();
    const a = network.connect();
    a.send('JOIN ann\nBROADCAST never\n');
    a.emitClose(true);
    const written = a.writes.length;
    join_.finish();
    await settled();
    expect(a.writes.length).toBe(written);
    expect(watcher.linesMatching(/ann/)).toEqual([]);
    expect(server!.userCount).toBe(1);
  });

  it('charges a reply sent after the handler awaited at its size, like any other', async () => {
    const { network } = await setup({ floodBurst: 5, floodLinesPerSecond: 1, maxLineBytes: 100 });
    vi.spyOn(COMMANDS.HELP, 'handler').mockImplementation(async (session) => {
      await Promise.resolve();
      for (let i = 0; i < 3; i++) session.reply('x'.repeat(99)); // 300 bytes: 3 tokens
    });
    const a = network.connect();
    a.send('JOIN ann\nHELP\nPING 1\nPING 2\n');
    await settled();
    // 5 tokens: JOIN 1, HELP 3, PING 1 the last one; PING 2 waits.
    expect(a.linesMatching(/^PONG/)).toEqual(['PONG 1']);
    expect(a.paused).toBe(true);
  });
});
