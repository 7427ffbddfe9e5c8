// The UDP chat server and client on real sockets on 127.0.0.1, with a raw socket speaking the
// original format beside them, and a harness that loses the client's first datagram.
import { afterEach, describe, expect, it } from 'vitest';
import { openUdpChat, type UdpChatClient } from '../../../src/core/udp-chat/udp-chat-client.ts';
import { startUdpChatServer, type UdpChatServer } from '../../../src/core/udp-chat/udp-chat-server.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { Runtime, UdpSocket } from '../../../src/runtime/types.ts';
import type { UdpServerEvent } from '../../../src/protocol/udp-chat/server-datagrams.ts';
import { RawUdpPeer } from '../../helpers/echo-test-peers.ts';

const servers: UdpChatServer[] = [];
const clients: UdpChatClient[] = [];
const peers: RawUdpPeer[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const peer of peers.splice(0)) peer.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(runtime: Pick<Runtime, 'bindUdp'> = getRuntime()): Promise<number> {
  const server = await startUdpChatServer(runtime, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server.address.port;
}

/** A runtime whose sockets lose their first `lose` datagrams: the registration, lost on the way. */
function lossyRuntime(lose: number): Pick<Runtime, 'bindUdp'> & { lost: string[] } {
  const lost: string[] = [];
  return {
    lost,
    async bindUdp(options) {
      const socket = await getRuntime().bindUdp(options);
      const send = socket.send.bind(socket);
      let toLose = lose;
      const lossy: UdpSocket = Object.create(socket);
      lossy.send = (data, port, host) => {
        if (toLose-- > 0) {
          lost.push(String(data));
          return Promise.resolve();
        }
        return send(data, port, host);
      };
      return lossy;
    },
  };
}

async function joinedClient(port: number, name: string, runtime: Pick<Runtime, 'bindUdp'> = getRuntime(), serverTimeoutMs?: number) {
  const client = await openUdpChat(runtime, { host: '127.0.0.1', port, retransmitMs: 50, ...(serverTimeoutMs && { serverTimeoutMs }) });
  clients.push(client);
  const events: UdpServerEvent[] = [];
  client.on('event', (event) => events.push(event));
  const result = await client.join(name);
  expect(result).toMatchObject({ ok: true, name });
  return { client, events };
}

/** Wait until `events` has one matching `test` (every datagram wakes the check). */
function waitForEvent(client: UdpChatClient, events: UdpServerEvent[], test: (event: UdpServerEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (events.some(test)) return resolve();
    const stop = client.on('event', (event) => {
      if (!test(event)) return;
      stop();
      resolve();
    });
  });
}

const texts = (peer: RawUdpPeer) => peer.datagrams.map(String);

/** Wait until `peer` has received `text`. */
async function waitForText(peer: RawUdpPeer, text: string): Promise<void> {
  while (!texts(peer).includes(text)) await peer.waitForDatagrams(peer.datagrams.length + 1);
}

/** The original client: its name, then whatever code the server sends, as typed messages. */
async function originalClient(port: number, name: string): Promise<RawUdpPeer> {
  const peer = await RawUdpPeer.bind();
  peers.push(peer);
  await peer.send(`${name}\n`, port);
  await peer.waitForDatagrams(1);
  const code = /^\[SERVER\] (?:Send )?(\w{6})/.exec(texts(peer)[0]!)![1]!;
  await peer.send(`${code}\n`, port);
  await peer.waitForDatagrams(3); // the announcement and the welcome
  expect(texts(peer)[1]).toBe(`[SERVER] ${name} has joined the chat.`);
  return peer;
}

describe('UDP chat on real sockets', () => {
  it('a netchat client and the original client chat with each other', async () => {
    const port = await startServer();
    const { client, events } = await joinedClient(port, 'alice');
    const carol = await originalClient(port, 'carol');
    await waitForEvent(client, events, (e) => e.type === 'user-joined' && e.name === 'carol');
    await carol.send('hi alice\n', port);
    await waitForEvent(client, events, (e) => e.type === 'message' && e.from === 'carol' && e.text === 'hi alice');
    expect(client.send('hello carol')).toEqual({ ok: true });
    await waitForText(carol, 'alice ~ hello carol');
  });

  it('joins when the registration datagram is lost on the way', async () => {
    const port = await startServer();
    const lossy = lossyRuntime(1);
    const { client } = await joinedClient(port, 'lucky', lossy);
    expect(lossy.lost).toHaveLength(1);
    expect(lossy.lost[0]!.startsWith('/join lucky ')).toBe(true);
    expect(client.name).toBe('lucky');
  });

  it('leaves with an acknowledged /quit, and the others are told', async () => {
    const port = await startServer();
    const { client } = await joinedClient(port, 'leaver');
    const watcher = await originalClient(port, 'watcher');
    expect(await client.leave()).toEqual({ reason: 'quit' });
    await waitForText(watcher, '[SERVER] leaver has left the chat.');
  });

  it('every client is told of the shutdown', async () => {
    const port = await startServer();
    const first = await joinedClient(port, 'first');
    const second = await joinedClient(port, 'second');
    const original = await originalClient(port, 'third');
    await servers[0]!.close();
    expect(await first.client.closed).toEqual({ reason: 'shutdown', message: 'Server is shutting down.' });
    expect(await second.client.closed).toEqual({ reason: 'shutdown', message: 'Server is shutting down.' });
    await waitForText(original, '[SERVER] Server is shutting down.');
  });

  it('notices a server gone without a word', async () => {
    const runtime = getRuntime();
    let serverSocket: UdpSocket | undefined;
    const server = await startUdpChatServer(
      { bindUdp: async (options) => (serverSocket = await runtime.bindUdp(options)) },
      { host: '127.0.0.1', port: 0 },
    );
    const { client } = await joinedClient(server.address.port, 'alone', runtime, 300);
    await serverSocket!.close(); // a killed server sends nothing
    expect(await client.closed).toEqual({ reason: 'timeout', message: 'nothing from the server for 0.3 s' });
    await server.close();
  });
});
