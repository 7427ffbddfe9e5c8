// The UDP chat client core against a scripted server on a fake socket and a fake clock:
// re-sending until answered, pacing, keepalive, noticing the server is gone, leaving.
import { describe, expect, it } from 'vitest';
import { UdpChatClient, type UdpChatClientOptions } from '../../../src/core/udp-chat/udp-chat-client.ts';
import { clientDatagram } from '../../../src/protocol/udp-chat/client-datagrams.ts';
import { serverDatagram } from '../../../src/protocol/udp-chat/server-datagrams.ts';
import type { UdpServerEvent } from '../../../src/protocol/udp-chat/server-datagrams.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { FakeUdpSocket } from './fake-udp.ts';

const SERVER = { address: '127.0.0.1', port: 65432 };
/** Until failed sends have been tried again. */
const settled = () => new Promise((resolve) => setImmediate(resolve));
const LIMITS = { 'max-datagram-bytes': 64, 'flood-burst': 3, 'flood-rate': 10, 'idle-timeout-ms': 4000 };

function setup(options: Partial<UdpChatClientOptions> = {}) {
  const socket = new FakeUdpSocket();
  const clock = new FakeClock();
  const client = new UdpChatClient(socket, { host: SERVER.address, port: SERVER.port, clock, serverTimeoutMs: 30_000, ...options });
  const events: UdpServerEvent[] = [];
  client.on('event', (event) => events.push(event));
  const sent = () => socket.textsTo(SERVER);
  const fromServer = (text: string) => socket.deliver(text, SERVER);
  /** Join as `name`, answering the way a netchat server does. */
  const joined = async (name = 'alice') => {
    const result = client.join(name);
    fromServer('[SERVER] Send k3x9pq to join as alice.');
    fromServer(serverDatagram.joined(name));
    fromServer(serverDatagram.welcome(name, 2, LIMITS));
    expect(await result).toEqual({ ok: true, name, online: 2 });
  };
  return { socket, clock, client, events, sent, fromServer, joined };
}

describe('UdpChatClient: joining', () => {
  it('re-sends the padded /join until the code comes (a lost first datagram), then the code until the welcome', async () => {
    const { clock, client, sent, fromServer } = setup();
    const result = client.join('alice');
    expect(sent()).toEqual([clientDatagram.join('alice')]);
    clock.advance(499);
    expect(sent()).toHaveLength(1);
    clock.advance(1);
    clock.advance(1000);
    expect(sent()).toEqual([clientDatagram.join('alice'), clientDatagram.join('alice'), clientDatagram.join('alice')]);
    fromServer('[SERVER] Send k3x9pq to join as alice.');
    expect(sent().at(-1)).toBe('k3x9pq');
    clock.advance(500);
    expect(sent().at(-1)).toBe('k3x9pq');
    expect(sent()).toHaveLength(5);
    fromServer(serverDatagram.joined('alice'));
    fromServer(serverDatagram.welcome('alice', 1, LIMITS));
    expect(await result).toEqual({ ok: true, name: 'alice', online: 1 });
    clock.advance(5000);
    expect(sent().filter((t) => t === 'k3x9pq')).toHaveLength(2); // no more re-sends
    expect(client.maxDatagramBytes).toBe(64);
  });

  it('takes the code in its shortest form too', async () => {
    const { client, sent, fromServer } = setup();
    void client.join('al');
    fromServer('[SERVER] abcdef');
    expect(sent().at(-1)).toBe('abcdef');
  });

  it('reports a refused name, and may then try another', async () => {
    const { client, sent, fromServer } = setup();
    const first = client.join('bob');
    fromServer(serverDatagram.error('NAME_TAKEN', 'bob is taken: send another name'));
    expect(await first).toEqual({ ok: false, code: 'NAME_TAKEN', message: 'bob is taken: send another name' });
    const second = client.join('bobby');
    expect(sent().at(-1)).toBe(clientDatagram.join('bobby'));
    fromServer(serverDatagram.welcome('bobby', 1, LIMITS));
    expect(await second).toMatchObject({ ok: true, name: 'bobby' });
  });

  it('gives up after the reply timeout without any answer', async () => {
    const { clock, client } = setup({ replyTimeoutMs: 3000 });
    const result = client.join('alice');
    clock.advance(3000);
    expect(await result).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'timeout' } });
    expect(await client.closed).toMatchObject({ reason: 'timeout' });
  });

  it('until the server first answers, only the reply timeout applies', async () => {
    const { clock, client } = setup({ replyTimeoutMs: 3000, serverTimeoutMs: 1000 });
    const result = client.join('alice');
    clock.advance(2999);
    expect(client.isClosed).toBe(false);
    clock.advance(1);
    expect(await result).toMatchObject({ close: { reason: 'timeout', message: 'no answer from the server within 3 s' } });
    expect(client.admitted).toBe(false);
  });

  it('notices a server gone between announcing the join and the welcome after server-timeout, as one that let us in', async () => {
    const { clock, client, fromServer } = setup({ replyTimeoutMs: 10_000, serverTimeoutMs: 3000 });
    const result = client.join('alice');
    fromServer('[SERVER] Send k3x9pq to join as alice.');
    fromServer(serverDatagram.joined('bob'));
    expect(client.admitted).toBe(false);
    fromServer(serverDatagram.joined('ALICE'));
    expect(client.admitted).toBe(true);
    clock.advance(2999);
    expect(client.isClosed).toBe(false);
    clock.advance(1);
    expect(await result).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'timeout', message: 'nothing from the server for 3 s' } });
  });

  it('keeps no silence clock while another name is chosen after a refusal', async () => {
    const { clock, client, fromServer } = setup({ serverTimeoutMs: 1000 });
    const first = client.join('bob');
    fromServer('[SERVER] Send k3x9pq to join as bob.');
    fromServer(serverDatagram.error('NAME_TAKEN', 'bob is taken: send another name'));
    expect(await first).toMatchObject({ ok: false, code: 'NAME_TAKEN' });
    clock.advance(60_000);
    expect(client.isClosed).toBe(false);
    const second = client.join('bobby');
    fromServer(serverDatagram.welcome('bobby', 1, LIMITS));
    expect(await second).toMatchObject({ ok: true, name: 'bobby' });
    expect(client.admitted).toBe(true);
  });

  it('a send error (unknown host) ends it', async () => {
    const { socket, client } = setup();
    socket.failSends = 'ENOTFOUND';
    const result = await client.join('alice');
    expect(result).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'error', code: 'ENOTFOUND' } });
  });
});

describe('UdpChatClient: chatting', () => {
  it('emits what arrives exactly as received (what shows it makes it safe), and ignores datagrams from other ports', async () => {
    const { socket, events, fromServer, joined } = setup();
    await joined();
    events.length = 0;
    fromServer('bob ~ hi \u001b[2J\r\u202e');
    socket.deliver('eve ~ not from the server', { address: '127.0.0.1', port: 9 });
    fromServer('[SERVER] pong');
    expect(events).toEqual([{ type: 'message', from: 'bob', text: 'hi \u001b[2J\r\u202e' }]);
  });

  it('sends a message again when its send took a port-unreachable report meant for an earlier datagram', async () => {
    const { clock, socket, client, sent, joined } = setup();
    await joined();
    clock.advance(500);
    socket.failNext.push('ECONNREFUSED');
    expect(client.send('hello')).toEqual({ ok: true });
    await settled();
    expect(sent().filter((text) => text === 'hello')).toHaveLength(1);
    expect(client.isClosed).toBe(false);
  });

  it('takes a closed server port for a lost datagram, not the end: silence decides', async () => {
    const { clock, socket, client, joined } = setup({ serverTimeoutMs: 3000 });
    await joined();
    socket.failSends = 'ECONNREFUSED';
    clock.advance(1000); // a ping is due, and every try of it fails
    await settled();
    expect(client.isClosed).toBe(false);
    clock.advance(2000);
    expect(await client.closed).toEqual({ reason: 'timeout', message: 'nothing from the server for 3 s' });
  });

  it('paces messages under the rate limit from the welcome, in order', async () => {
    const { clock, client, sent, joined } = setup();
    await joined();
    clock.advance(500); // the bucket refills after the join (and no ping is due yet)
    const before = sent().length;
    for (const text of ['1', '2', '3', '4']) expect(client.send(text)).toEqual({ ok: true });
    expect(sent().slice(before)).toEqual(['1', '2']); // burst 3, one kept in reserve
    clock.advance(112); // 90 % of 10 per second: one every 111.1 ms
    expect(sent().slice(before)).toEqual(['1', '2', '3']);
    clock.advance(112);
    expect(sent().slice(before)).toEqual(['1', '2', '3', '4']);
  });

  it('refuses messages the server would not relay as they are', async () => {
    const { client, joined } = setup();
    await joined();
    expect(client.send('x'.repeat(64))).toEqual({ ok: true });
    expect(client.send('x'.repeat(65))).toMatchObject({ ok: false, code: 'DATAGRAM_TOO_LONG' });
    expect(client.send('é'.repeat(33))).toMatchObject({ ok: false, code: 'DATAGRAM_TOO_LONG' });
    expect(client.send('/quit')).toMatchObject({ ok: false, code: 'COMMAND_TEXT' });
    expect(client.send('  ')).toMatchObject({ ok: false, code: 'EMPTY' });
  });

  it('pings after a quiet spell, answers a probe at once, and gives up on a silent server', async () => {
    const { clock, client, sent, fromServer, joined } = setup({ serverTimeoutMs: 3000 });
    await joined(); // idle-timeout 4 s: ping every 1 s (a third of 3 s is more)
    const pings = () => sent().filter((t) => t === '/ping').length;
    clock.advance(1000);
    expect(pings()).toBe(1);
    fromServer('[SERVER] pong');
    fromServer(serverDatagram.probe('alice', 2000));
    expect(pings()).toBe(2);
    clock.advance(2999);
    expect(client.isClosed).toBe(false);
    clock.advance(1);
    expect(await client.closed).toEqual({ reason: 'timeout', message: 'nothing from the server for 3 s' });
  });

  it('pings at a quarter of the idle timeout the welcome states, from the welcome on', async () => {
    const { clock, sent, joined } = setup({ serverTimeoutMs: 30_000 });
    await joined(); // idle-timeout 4 s: ping every 1 s, not every 10 s
    const pings = () => sent().filter((t) => t === '/ping').length;
    clock.advance(999);
    expect(pings()).toBe(0);
    clock.advance(1);
    expect(pings()).toBe(1);
  });

  it.each([
    [serverDatagram.shutdown(), { reason: 'shutdown', message: 'Server is shutting down.' }],
    [serverDatagram.error('IDLE_TIMEOUT', 'you left'), { reason: 'kicked', code: 'IDLE_TIMEOUT', message: 'you left' }],
    [serverDatagram.error('REPLACED', 'again'), { reason: 'kicked', code: 'REPLACED', message: 'again' }],
  ])('ends on %j', async (text, close) => {
    const { client, fromServer, joined, socket } = setup();
    await joined();
    fromServer(text);
    expect(await client.closed).toEqual(close);
    expect(socket.closed).toBe(true);
  });
});

describe('UdpChatClient: leaving', () => {
  it('sends /quit after the queued messages and re-sends it until the goodbye', async () => {
    const { clock, client, sent, fromServer, joined } = setup();
    await joined();
    const before = sent().length;
    for (const text of ['1', '2', '3', '4']) client.send(text);
    const closed = client.leave();
    expect(sent().includes(clientDatagram.quit())).toBe(false);
    clock.advance(1000);
    const after = sent().slice(before);
    expect(after.slice(0, 5)).toEqual(['1', '2', '3', '4', clientDatagram.quit()]);
    const quits = after.filter((t) => t === clientDatagram.quit()).length;
    clock.advance(2000);
    expect(sent().filter((t) => t === clientDatagram.quit()).length).toBeGreaterThan(quits);
    expect(client.send('late')).toMatchObject({ ok: false, code: 'LEAVING' });
    fromServer(serverDatagram.goodbye('alice'));
    expect(await closed).toEqual({ reason: 'quit' });
  });

  it('with discardQueued drops what waits, and a missing goodbye ends in a timeout', async () => {
    const { clock, client, sent, joined } = setup({ replyTimeoutMs: 2000 });
    await joined();
    for (const text of ['1', '2', '3', '4']) client.send(text);
    const closed = client.leave({ discardQueued: true });
    expect(sent().at(-1)).toBe(clientDatagram.quit());
    clock.advance(2000);
    expect(sent().includes('4')).toBe(false);
    expect(await closed).toMatchObject({ reason: 'timeout' });
  });
});
