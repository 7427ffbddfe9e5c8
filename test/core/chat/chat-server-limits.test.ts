// Every limit of the chat server at the limit and one past it, timeouts and flood control on a
// fake clock, and shutdown — driven through fake connections.
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
  if (s) {
    const closing = s.close();
    await closing;
  }
});

const last = (c: FakeConnection) => c.lines().at(-1);
const reasons = () => events.filter((e) => e.type === 'disconnect').map((e) => (e as { reason: string }).reason);

describe('line limits', () => {
  it('accepts a line of max-line-bytes and drops one byte more with LINE_TOO_LONG, keeping the connection', async () => {
    const { join } = await setup({ maxLineBytes: 32 });
    const [a, b] = [join('a'), join('b')];
    const at = `BROADCAST ${'x'.repeat(32 - 10)}`;
    a.send(`${at}\r\n${at}y\r\n`);
    expect(b.linesMatching(/^\[Broadcast\]/)).toEqual([`[Broadcast] a: ${'x'.repeat(22)}`]);
    expect(a.errorCodes()).toEqual(['LINE_TOO_LONG']);
    a.send('BROADCAST after\n');
    expect(last(b)).toBe('[Broadcast] a: after');
    expect(a.ended).toBe(false);
  });

  it('allows max-unterminated-bytes without a newline and disconnects one byte past it', async () => {
    const { join } = await setup({ maxLineBytes: 16, maxUnterminatedBytes: 64 });
    const [a, b, c] = [join('a'), join('b'), join('c')];
    a.send('z'.repeat(64));
    expect(a.ended).toBe(false);
    a.send('\nBROADCAST ok\n');
    expect(a.errorCodes()).toEqual(['LINE_TOO_LONG']);
    b.send('z'.repeat(65));
    expect(b.errorCodes()).toEqual(['INPUT_OVERFLOW']);
    expect(b.ended).toBe(true);
    expect(last(c)).toBe('[Server] b has left the chat (input overflow).');
  });
});

describe('announcements', () => {
  it('announces joins and leaves up to announce-max-users online and not one user more', async () => {
    const { join } = await setup({ announceMaxUsers: 3 });
    const a = join('a');
    join('b');
    const c = join('c');
    expect(a.linesMatching(/has joined/)).toEqual(['[Server] b has joined the chat.', '[Server] c has joined the chat.']);
    const d = join('d');
    expect(a.linesMatching(/d has joined/)).toEqual([]);
    c.send('QUIT\n');
    expect(a.linesMatching(/c has left/)).toEqual([]);
    d.send('QUIT\n');
    expect(a.linesMatching(/has left/)).toEqual(['[Server] d has left the chat (quit).']);
  });
});

describe('send queue', () => {
  it('keeps a client whose unsent bytes are at the limit and drops one over it, never waiting on it', async () => {
    const { join } = await setup({ maxSendQueueBytes: 2048 });
    const [a, slow, slower, fast] = [join('a'), join('slow'), join('slower'), join('fast')];
    await microtasks();
    slow.stuckBytes = 2048;
    slower.stuckBytes = 2049;
    a.send('BROADCAST tick\n');
    await microtasks();
    expect(slow.ended).toBe(false);
    expect(slower.ended).toBe(true);
    expect(slower.errorCodes()).toEqual(['SEND_QUEUE_FULL']);
    expect(fast.lines().slice(-2)).toEqual(['[Broadcast] a: tick', '[Server] slower has left the chat (send queue full).']);
    a.send('BROADCAST tock\n');
    expect(last(fast)).toBe('[Broadcast] a: tock');
    expect(slower.linesMatching(/tock/)).toEqual([]);
  });

  it('destroys a closing connection that does not let go within the grace time', async () => {
    const { join, clock } = await setup({ maxSendQueueBytes: 1024 });
    const [a, stuck] = [join('a'), join('stuck')];
    stuck.autoClose = false;
    stuck.stuckBytes = 10_000;
    a.send('BROADCAST x\n');
    await microtasks();
    expect(stuck.ended).toBe(true);
    clock.advance(90);
    expect(stuck.destroyed).toBe(false);
    clock.advance(20);
    expect(stuck.destroyed).toBe(true);
    await microtasks();
    expect(reasons()).toEqual(['send-queue-full']);
  });
});

describe('flood control', () => {
  const flood = { floodBurst: 3, floodLinesPerSecond: 10, floodMaxDelayedLines: 4 };

  it('processes the burst at once, delays the rest in order, pauses reading meanwhile', async () => {
    const { join, clock } = await setup(flood);
    const b = join('b');
    const a = join('a'); // JOIN took one token
    a.send('BROADCAST 1\nBROADCAST 2\nBROADCAST 3\nBROADCAST 4\n');
    expect(b.linesMatching(/^\[Broadcast\]/)).toEqual(['[Broadcast] a: 1', '[Broadcast] a: 2']);
    expect(a.paused).toBe(true);
    clock.advance(99);
    expect(b.linesMatching(/^\[Broadcast\]/)).toHaveLength(2);
    clock.advance(1);
    expect(b.linesMatching(/^\[Broadcast\]/)).toHaveLength(3);
    clock.advance(100);
    expect(b.linesMatching(/^\[Broadcast\]/)).toEqual(['1', '2', '3', '4'].map((n) => `[Broadcast] a: ${n}`));
    expect(a.paused).toBe(false);
    expect(a.ended).toBe(false);
  });

  it('refills the burst after a quiet spell', async () => {
    const { join, clock } = await setup(flood);
    const b = join('b');
    const a = join('a');
    clock.advance(1000);
    a.send('BROADCAST 1\nBROADCAST 2\nBROADCAST 3\n');
    expect(b.linesMatching(/^\[Broadcast\]/)).toHaveLength(3);
    expect(a.paused).toBe(false);
  });

  it('holds up to flood-max-delayed lines and disconnects at one more with FLOOD', async () => {
    const { join, clock } = await setup(flood);
    const b = join('b');
    const ok = join('ok');
    const bad = join('bad');
    clock.advance(1000);
    const lines = (n: number, who: string) => Array.from({ length: n }, (_, i) => `BROADCAST ${who}${i}\n`).join('');
    ok.send(lines(3 + 4, 'ok')); // burst + max held
    bad.send(lines(3 + 5, 'bad'));
    expect(ok.ended).toBe(false);
    expect(bad.errorCodes()).toEqual(['FLOOD']);
    expect(bad.ended).toBe(true);
    expect(last(b)).toBe('[Server] bad has left the chat (flood).');
    clock.advance(1000);
    expect(b.linesMatching(/^\[Broadcast\] ok:/)).toHaveLength(7);
    expect(b.linesMatching(/^\[Broadcast\] bad:/)).toHaveLength(3);
  });

  it('processes held lines after the peer half-closes, then closes', async () => {
    const { join, clock } = await setup(flood);
    const b = join('b');
    const a = join('a');
    a.send('BROADCAST 1\nBROADCAST 2\nBROADCAST 3\nLIST_USERS\n');
    a.peerEnd();
    expect(a.ended).toBe(false);
    clock.advance(1000);
    expect(b.linesMatching(/^\[Broadcast\]/)).toHaveLength(3);
    expect(a.lines().slice(-2)).toEqual(['[Users] a, b', '[Users] 2 users, 2 in total.']);
    expect(a.ended).toBe(true);
  });

  it('treats an over-long line as a line in order', async () => {
    const { join, clock } = await setup({ ...flood, maxLineBytes: 16 });
    const a = join('a');
    a.send(`PING 1\nPING 2\n${'x'.repeat(20)}\nPING 3\n`);
    clock.advance(1000);
    expect(a.lines().slice(-4)).toEqual(['PONG 1', 'PONG 2', expect.stringMatching(/^ERROR LINE_TOO_LONG /), 'PONG 3']);
  });

  it('is off with flood-burst 0', async () => {
    const { join } = await setup({ floodBurst: 0 });
    const b = join('b');
    const a = join('a');
    a.send(Array.from({ length: 500 }, (_, i) => `BROADCAST ${i}\n`).join(''));
    expect(b.linesMatching(/^\[Broadcast\]/)).toHaveLength(500);
    expect(a.paused).toBe(false);
  });
});

describe('timeouts', () => {
  it('disconnects a client that does not JOIN in time, not one that does', async () => {
    const { network, clock, join } = await setup({ registrationTimeoutMs: 1000 });
    const idle = network.connect();
    const joined = join('a');
    clock.advance(990);
    expect(idle.ended).toBe(false);
    clock.advance(10);
    expect(idle.errorCodes()).toEqual(['REGISTRATION_TIMEOUT']);
    expect(idle.ended).toBe(true);
    expect(joined.ended).toBe(false);
    await microtasks();
    expect(reasons()).toEqual(['registration-timeout']);
  });

  it('pings after the idle interval, keeps a client that answers, drops one that does not', async () => {
    const { clock, join } = await setup({ pingIntervalMs: 1000, pingTimeoutMs: 500 });
    const [answers, silent] = [join('answers'), join('silent')];
    clock.advance(990);
    expect(answers.linesMatching(/^PING /)).toEqual([]);
    clock.advance(10);
    const ping = last(answers)!;
    expect(ping).toMatch(/^PING \S+$/);
    expect(last(silent)).toMatch(/^PING /);
    answers.send(`PONG ${ping.slice(5)}\n`);
    clock.advance(490);
    expect(silent.ended).toBe(false);
    clock.advance(10);
    expect(silent.errorCodes()).toEqual(['PING_TIMEOUT']);
    expect(silent.ended).toBe(true);
    expect(answers.ended).toBe(false);
    expect(last(answers)).toBe('[Server] silent has left the chat (ping timeout).');
  });

  it('counts any received line as activity', async () => {
    const { clock, join } = await setup({ pingIntervalMs: 1000, pingTimeoutMs: 500 });
    const a = join('a');
    for (let i = 0; i < 5; i++) {
      clock.advance(900);
      a.send('LIST_USERS\n');
    }
    expect(a.linesMatching(/^PING/)).toEqual([]);
  });

  it('never pings with ping-interval 0 and never times out registration with 0', async () => {
    const { network, clock, join } = await setup({ pingIntervalMs: 0, registrationTimeoutMs: 0 });
    const idle = network.connect();
    const a = join('a');
    clock.advance(10_000_000);
    expect(idle.ended || a.ended).toBe(false);
    expect(a.linesMatching(/^PING/)).toEqual([]);
  });
});

describe('connection limits', () => {
  it('accepts max-connections and refuses one more with SERVER_FULL', async () => {
    const { network } = await setup({ maxConnections: 3 });
    const accepted = [network.connect('10.0.0.1'), network.connect('10.0.0.2'), network.connect('10.0.0.3')];
    const refused = network.connect('10.0.0.4');
    for (const c of accepted) expect(c.errorCodes()).toEqual([]);
    expect(refused.errorCodes()).toEqual(['SERVER_FULL']);
    expect(refused.ended).toBe(true);
    accepted[0]!.emitClose(false);
    expect(network.connect('10.0.0.5').errorCodes()).toEqual([]);
    expect(events.filter((e) => e.type === 'refuse')).toHaveLength(1);
  });

  it('accepts max-per-ip from one address and refuses one more with TOO_MANY_CONNECTIONS', async () => {
    const { network } = await setup({ maxConnectionsPerIp: 2, connectRatePerIp: 0 });
    const [one, two] = [network.connect('10.0.0.1'), network.connect('10.0.0.1')];
    expect(network.connect('10.0.0.1').errorCodes()).toEqual(['TOO_MANY_CONNECTIONS']);
    expect(network.connect('10.0.0.2').errorCodes()).toEqual([]);
    expect(one.errorCodes().concat(two.errorCodes())).toEqual([]);
    two.emitClose(true);
    expect(network.connect('10.0.0.1').errorCodes()).toEqual([]);
  });
});

describe('shutdown', () => {
  it('sends every client exactly one line, the shutdown notice, however many are connected', async () => {
    const { network, join } = await setup({ maxConnectionsPerIp: 100 });
    const clients = Array.from({ length: 8 }, (_, i) => join(`u${i}`));
    clients.push(network.connect());
    await microtasks();
    const before = clients.map((c) => c.lines().length);
    const s = server!;
    server = undefined;
    await s.close();
    for (const [i, c] of clients.entries()) {
      expect(c.lines().slice(before[i]), `client ${i}`).toEqual(['[Server] Server is shutting down.']);
    }
  });

  it('tells every client, ends every connection, destroys stragglers after the grace, stops listening', async () => {
    const { network, clock, join } = await setup();
    const [a, b] = [join('a'), join('b')];
    const unregistered = network.connect();
    b.autoClose = false;
    const s = server!;
    server = undefined;
    let done = false;
    const closed = s.close().then(() => (done = true));
    for (const c of [a, b, unregistered]) {
      expect(last(c)).toBe('[Server] Server is shutting down.');
      expect(c.ended).toBe(true);
    }
    expect(a.linesMatching(/has left/)).toEqual([]);
    await microtasks();
    expect(done).toBe(false);
    clock.advance(100);
    expect(b.destroyed).toBe(true);
    await closed;
    expect(network.listenerClosed).toBe(true);
    expect(reasons()).toEqual(['server-shutdown', 'server-shutdown', 'server-shutdown']);
    expect(clock.pendingTimers).toBe(0);
    const late = network.connect();
    expect(late.destroyed).toBe(true);
  });
});
