// A registration from a spoofed source address must not turn the server into an amplifier or a
// reflector toward that address: before the address sends its join code back, the server sends
// it at most three times the bytes it received from it, and sends nobody else anything.
// Loopback cannot spoof a source, so the datagrams are injected into the server's socket "from"
// the victim; in the last test the server's answers really travel to a bound victim socket.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { AMPLIFICATION_FACTOR, startUdpChatServer, type UdpChatServer } from '../../../src/core/udp-chat/udp-chat-server.ts';
import { clientDatagram } from '../../../src/protocol/udp-chat/client-datagrams.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { UdpRemote, UdpSocket, UdpSocketEvents } from '../../../src/runtime/types.ts';
import { startUdpFakeChat } from './udp-chat-setup.ts';

const victim: UdpRemote = { address: '198.51.100.7', port: 53 };
const encoder = new TextEncoder();

// What a spoofer might send "from" the victim: names short and long, commands, wrong codes,
// junk, over-long and non-UTF-8 datagrams.
// The first two are where an answer would first outgrow 3×: 4 bytes in, and the shortest
// answer is 15.
const ATTACK: Array<string | Uint8Array> = [
  'abc\n',
  '\n',
  'a',
  'al',
  'x'.repeat(32),
  clientDatagram.join('victim'),
  '/join',
  'not a name',
  'zzzzzz',
  '',
  '\n',
  '/ping',
  '/quit',
  clientDatagram.quit(),
  'y'.repeat(2000),
  Uint8Array.of(0xff, 0xfe, 0xfd),
  '/join other',
  'server',
];

describe('anti-amplification', () => {
  it('never sends an unproven address more than 3× what came from it, whatever it sends', async () => {
    // Real random codes: the counting ones of the other tests would be guessed by 'zzzzzz'.
    const random = (count: number) => crypto.getRandomValues(new Uint8Array(count));
    const chat = await startUdpFakeChat({ floodBurst: 0 }, { randomBytes: random });
    const bob = await chat.join('bob', { address: '127.0.0.1', port: 5001 });
    const bobHad = chat.socket.textsTo(bob).length;
    let received = 0;
    for (let round = 0; round < 20; round++) {
      for (const datagram of ATTACK) {
        chat.socket.deliver(datagram, victim);
        received += typeof datagram === 'string' ? encoder.encode(datagram).length : datagram.length;
        expect(chat.socket.bytesTo(victim)).toBeLessThanOrEqual(AMPLIFICATION_FACTOR * received);
      }
      chat.socket.deliver('', bob); // bob stays in
      chat.clock.advance(31_000); // registrations expire and start over
    }
    expect(chat.socket.bytesTo(victim)).toBeGreaterThan(0); // the test did reach the answers
    expect(chat.socket.textsTo(bob).slice(bobHad)).toEqual([]);
    expect(chat.server.userCount).toBe(1);
    expect(chat.events.some((e) => e.type === 'register' && e.name !== 'bob')).toBe(false);
  });

  it('counts every byte from the address, so a short name gets its code once enough has come', async () => {
    const chat = await startUdpFakeChat();
    const user: UdpRemote = { address: '127.0.0.1', port: 6000 };
    chat.socket.deliver('bob\n', user); // 4 bytes: room for 12, the shortest answer is 15
    expect(chat.socket.textsTo(user)).toEqual([]);
    chat.socket.deliver('\n', user); // 5 bytes in all: room for 15
    expect(chat.socket.textsTo(user)).toEqual(['[SERVER] aaaaaa']);
    chat.socket.deliver('hi there!\n', user); // not relayed; 15 bytes in all, 45 - 15 = 30 left
    expect(chat.socket.textsTo(user).at(-1)).toBe('[SERVER] Send aaaaaa to join.');
    chat.socket.deliver('aaaaaa\n', user);
    expect(chat.socket.textsTo(user).at(-2)).toBe('[SERVER] bob has joined the chat.');
  });

  it('a netchat client pads its /join, so it gets the full answer at once', async () => {
    const chat = await startUdpFakeChat();
    const user: UdpRemote = { address: '127.0.0.1', port: 6001 };
    chat.socket.deliver(clientDatagram.join('somebody_with_a_long_name_32_ch'), user);
    expect(chat.socket.textsTo(user)).toEqual(['[SERVER] Send aaaaaa to join as somebody_with_a_long_name_32_ch.']);
  });

  it('cannot be brute-forced by one address: wrong codes do not join, and the rate limit bounds the guesses', async () => {
    const chat = await startUdpFakeChat({ floodBurst: 10, floodDatagramsPerSecond: 5 });
    chat.socket.deliver(clientDatagram.join('victim'), victim);
    for (let i = 0; i < 1000; i++) chat.socket.deliver(`guess${i % 10}`, victim);
    expect(chat.server.userCount).toBe(0);
    // Only the burst reached the join logic; the rest were dropped by the rate limit.
    expect(chat.events.filter((e) => e.type === 'drop' && e.reason === 'flood').length).toBeGreaterThan(0);
  });
});

/** A real socket whose incoming datagrams the test can also inject with any source address. */
async function spoofableSocket(): Promise<{ socket: UdpSocket; inject: (data: Uint8Array, from: UdpRemote) => void }> {
  const real = await getRuntime().bindUdp({ host: '127.0.0.1', port: 0 });
  let listener: UdpSocketEvents['message'] = () => {};
  const socket: UdpSocket = {
    address: real.address,
    send: (data, port, host) => real.send(data, port, host),
    setReceiveBufferSize: (bytes) => real.setReceiveBufferSize(bytes),
    setSendBufferSize: (bytes) => real.setSendBufferSize(bytes),
    close: () => real.close(),
    on(event, handler) {
      if (event === 'message') listener = handler as UdpSocketEvents['message'];
      else real.on(event, handler);
      return this;
    },
    off() {
      return this;
    },
  };
  real.on('message', (data, from) => listener(data, from));
  return { socket, inject: (data, from) => listener(data, from) };
}

describe('anti-amplification, on real sockets', () => {
  let server: UdpChatServer | undefined;
  const sockets: dgram.Socket[] = [];
  afterEach(async () => {
    await server?.close();
    for (const socket of sockets.splice(0)) socket.close();
  });

  it('a victim socket receives at most 3× what was sent in its name, and a joined user nothing', async () => {
    const { socket, inject } = await spoofableSocket();
    server = await startUdpChatServer({ bindUdp: async () => socket }, { host: '127.0.0.1', port: 0, limits: { floodBurst: 0 } });
    const serverPort = socket.address.port;
    const bind = async () => {
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
      return s;
    };
    const receivedBy = (s: dgram.Socket) => {
      const got: Buffer[] = [];
      s.on('message', (message) => got.push(message));
      return got;
    };
    // A real user joins through the real socket.
    const user = await bind();
    const userGot = receivedBy(user);
    const fromServer = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve) => {
        const check = (message: Buffer) => {
          const match = pattern.exec(message.toString());
          if (!match) return;
          user.off('message', check);
          resolve(match);
        };
        user.on('message', check);
      });
    const challenge = fromServer(/Send (\w{6})/);
    user.send(clientDatagram.join('user'), serverPort, '127.0.0.1');
    const welcome = fromServer(/^\[SERVER\] Welcome, user!/);
    user.send((await challenge)[1]!, serverPort, '127.0.0.1');
    await welcome;
    // The victim only listens; the attack is injected with the victim's address as its source.
    const target = await bind();
    const targetGot = receivedBy(target);
    const from = { address: '127.0.0.1', port: target.address().port };
    const userHad = userGot.length;
    // A marker sent after a datagram's answers arrives after all of them (one sender, one
    // receiver, loopback), so the count can be checked after every datagram of the attack.
    let markers = 0;
    let markerArrived: ((token: string) => void) | undefined;
    target.on('message', (m) => markerArrived?.(m.toString()));
    const marker = async () => {
      const token = `END${++markers}`;
      const arrived = new Promise<void>((resolve) => (markerArrived = (text) => text === token && resolve()));
      await socket.send(token, from.port, '127.0.0.1');
      await arrived;
    };
    const answerBytes = () => targetGot.filter((m) => !m.toString().startsWith('END')).reduce((sum, m) => sum + m.length, 0);
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      for (const datagram of ATTACK.filter((d) => d.length <= 40)) {
        const bytes = typeof datagram === 'string' ? encoder.encode(datagram) : datagram;
        inject(bytes, from);
        sent += bytes.length;
        await marker();
        expect(answerBytes()).toBeLessThanOrEqual(AMPLIFICATION_FACTOR * sent);
      }
    }
    expect(answerBytes()).toBeGreaterThan(0);
    const userEnd = new Promise<void>((resolve) => user.on('message', (m) => m.toString() === 'END' && resolve()));
    await socket.send('END', user.address().port, '127.0.0.1');
    await userEnd;
    expect(userGot.slice(userHad).map(String)).toEqual(['END']);
  });
});
