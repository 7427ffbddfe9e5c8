// A session that outlives its connection, on fake connections and a fake clock: it comes back
// with the same name after the server goes, rejoins its groups, sends what was typed meanwhile,
// and ends for good only when we leave, are thrown out, or were never joined.
import { describe, expect, it } from 'vitest';
import { ChatClient, INCOMING_LINE_LIMITS, type CloseInfo } from '../../../src/core/chat-client/chat-client.ts';
import { ReconnectingClient, type ConnectionStatus } from '../../../src/core/chat-client/reconnecting-client.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import type { ServerEvent } from '../../../src/protocol/chat/chat-lines.ts';
import { FakeClock, FakeConnection } from '../../helpers/chat-fakes.ts';

const LIMITS = '[Limits] max-line-bytes=200 flood-burst=100 flood-lines-per-second=1000 flood-max-delayed-lines=100';
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A client on a fake connection, joined as `name` by a scripted server. */
async function joinedClient(clock: FakeClock, name: string) {
  const connection = new FakeConnection({ address: '127.0.0.1', port: 12000, family: 'IPv4' });
  connection.autoClose = false;
  const client = new ChatClient(new TcpLineLink(connection, INCOMING_LINE_LIMITS), { host: '127.0.0.1', port: 12000, clock });
  const joined = client.join(name);
  connection.send(`[Server] Welcome, ${name}! 1 user online.\n${LIMITS}\n`);
  expect(await joined).toMatchObject({ ok: true });
  return { connection, client };
}

function setup(options: { reconnect?: boolean; failFirst?: number } = {}) {
  const clock = new FakeClock();
  const connections: FakeConnection[] = [];
  let failures = options.failFirst ?? 0;
  const reconnect = async (name: string) => {
    if (failures-- > 0) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    const { connection, client } = await joinedClient(clock, name);
    connections.push(connection);
    return client;
  };
  const statuses: ConnectionStatus[] = [];
  const events: ServerEvent[] = [];
  let closed: CloseInfo | undefined;
  const start = async () => {
    const first = await joinedClient(clock, 'alice');
    connections.push(first.connection);
    const session = new ReconnectingClient(first.client, { clock, random: () => 0, reconnect: options.reconnect === false ? undefined : reconnect });
    session.on('status', (status) => statuses.push(status));
    session.on('event', (event) => events.push(event));
    session.on('close', (info) => (closed = info));
    return session;
  };
  return { clock, connections, statuses, events, start, closed: () => closed };
}

describe('ReconnectingClient', () => {
  it('comes back after the server closes, rejoins its groups and sends what was typed meanwhile', async () => {
    const s = setup({ failFirst: 1 });
    const session = await s.start();
    s.connections[0]!.send('[Server] You joined group team (1 member).\n');
    s.connections[0]!.send('[Server] Server is shutting down.\n');
    s.connections[0]!.emitClose(false);
    expect(session.reconnecting).toBe(true);
    expect(session.send('BROADCAST typed while away')).toEqual({ ok: true });
    expect(session.queuedLines).toBe(1);
    const rejoined = new Promise<void>((resolve) => session.on('status', (status) => status.state === 'rejoined' && resolve()));
    await s.clock.advanceWhileWaiting(rejoined);
    await settle();
    expect(s.statuses.map((status) => status.state)).toEqual(['lost', 'waiting', 'connecting', 'failed', 'waiting', 'connecting', 'connected', 'rejoined']);
    expect(s.statuses.at(-1)).toEqual({ state: 'rejoined', name: 'alice', groups: ['team'] });
    expect(s.connections[1]!.lines()).toEqual(['JOIN alice', 'LIMITS', 'JOIN_GROUP team', 'BROADCAST typed while away']);
    expect(session.reconnecting).toBe(false);
    expect(s.closed()).toBeUndefined();

    // Events of the new connection are the session's events; leaving ends the session.
    s.connections[1]!.send('[Broadcast] bob: hello again\n');
    expect(s.events.at(-1)).toEqual({ type: 'broadcast', from: 'bob', text: 'hello again' });
    const left = session.leave();
    await settle();
    s.connections[1]!.send('[Server] Goodbye, alice.\n');
    s.connections[1]!.emitClose(false);
    expect(await left).toEqual({ reason: 'quit' });
    expect(await session.closed).toEqual({ reason: 'quit' });
  });

  it('forgets a group it left, so it does not rejoin it', async () => {
    const s = setup();
    const session = await s.start();
    s.connections[0]!.send('[Server] You joined group team (1 member).\n[Server] You left group team.\n');
    s.connections[0]!.emitClose(false);
    const rejoined = new Promise<void>((resolve) => session.on('status', (status) => status.state === 'rejoined' && resolve()));
    await s.clock.advanceWhileWaiting(rejoined);
    expect(s.statuses.at(-1)).toEqual({ state: 'rejoined', name: 'alice', groups: [] });
  });

  it.each([
    ['thrown out by the server', 'ERROR FLOOD too fast\n', 'kicked'],
    ['after our own QUIT', '[Server] Goodbye, alice.\n', 'quit'],
  ])('ends for good when %s', async (_what, line, reason) => {
    const s = setup();
    const session = await s.start();
    if (reason === 'quit') {
      void session.leave();
      await settle();
    }
    s.connections[0]!.send(line);
    s.connections[0]!.emitClose(false);
    expect((await session.closed).reason).toBe(reason);
    expect(s.statuses).toEqual([]);
  });

  it('without a reconnect function, is the connection itself', async () => {
    const s = setup({ reconnect: false });
    const session = await s.start();
    s.connections[0]!.emitClose(false);
    expect(await session.closed).toEqual({ reason: 'server-closed' });
    expect(session.send('BROADCAST x')).toMatchObject({ ok: false, code: 'CLOSED' });
  });

  it('leaving while disconnected with nothing typed ends at once; with lines typed, after sending them', async () => {
    const s = setup();
    const quiet = await s.start();
    s.connections[0]!.emitClose(false);
    expect(quiet.reconnecting).toBe(true);
    expect(await quiet.leave()).toEqual({ reason: 'quit' });
    expect(s.clock.pendingTimers).toBe(0);

    const t = setup();
    const busy = await t.start();
    t.connections[0]!.emitClose(false);
    busy.send('BROADCAST last words');
    const left = busy.leave();
    await t.clock.advanceWhileWaiting(new Promise<void>((resolve) => busy.on('status', (status) => status.state === 'rejoined' && resolve())));
    await settle();
    expect(t.connections[1]!.lines()).toEqual(['JOIN alice', 'LIMITS', 'BROADCAST last words', 'QUIT']);
    t.connections[1]!.send('[Server] Goodbye, alice.\n');
    t.connections[1]!.emitClose(false);
    expect(await left).toEqual({ reason: 'quit' });
  });

  it('keeps at most maxPendingLines while disconnected, and refuses the next', async () => {
    const clock = new FakeClock();
    const first = await joinedClient(clock, 'alice');
    const session = new ReconnectingClient(first.client, { clock, maxPendingLines: 2, reconnect: () => new Promise(() => {}) });
    first.connection.emitClose(false);
    expect(session.send('BROADCAST 1').ok).toBe(true);
    expect(session.send('BROADCAST 2').ok).toBe(true);
    expect(session.send('BROADCAST 3')).toMatchObject({ ok: false, code: 'NOT_CONNECTED' });
    session.close();
    expect(await session.closed).toEqual({ reason: 'aborted' });
  });
});

describe('ReconnectingClient against a server that drops it again at once', () => {
  it('goes on with the longer waits, and starts over once a connection has lasted', async () => {
    const s = setup();
    const session = await s.start();
    const waits = () => s.statuses.flatMap((status) => (status.state === 'waiting' ? [status.delayMs] : []));
    const rejoined = () => new Promise<void>((resolve) => {
      const off = session.on('status', (status) => status.state === 'rejoined' && (off(), resolve()));
    });
    for (let i = 0; i < 3; i++) {
      const back = rejoined();
      s.connections.at(-1)!.emitClose(false);
      await s.clock.advanceWhileWaiting(back);
    }
    expect(waits()).toEqual([1_000, 2_000, 4_000]);
    s.clock.advance(30_000);
    const back = rejoined();
    s.connections.at(-1)!.emitClose(false);
    await s.clock.advanceWhileWaiting(back);
    expect(waits()).toEqual([1_000, 2_000, 4_000, 1_000]);
  });
});
