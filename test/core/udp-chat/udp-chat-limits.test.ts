// Each limit of the UDP chat server at the limit and one past it, and what the server does with
// datagrams it will not act on (too long, too fast, not UTF-8): drop them with a report, never
// crash.
import { describe, expect, it } from 'vitest';
import { DEFAULT_UDP_CHAT_LIMITS, resolveUdpChatLimits, type UdpChatLimits } from '../../../src/core/udp-chat/udp-chat-limits.ts';
import { clientDatagram } from '../../../src/protocol/udp-chat/client-datagrams.ts';
import type { UdpRemote } from '../../../src/runtime/types.ts';
import { MAX_SEND_ATTEMPTS } from '../../../src/core/udp-chat/send-datagram.ts';
import { startUdpFakeChat } from './udp-chat-setup.ts';

const at = (port: number): UdpRemote => ({ address: '127.0.0.1', port });

describe('resolveUdpChatLimits', () => {
  it('spreads overrides over the defaults', () => {
    expect(resolveUdpChatLimits({ maxClients: 5 })).toEqual({ ...DEFAULT_UDP_CHAT_LIMITS, maxClients: 5 });
  });

  it.each<[Partial<UdpChatLimits>, keyof UdpChatLimits]>([
    [{ maxDatagramBytes: 127 }, 'maxDatagramBytes'],
    [{ maxDatagramBytes: 100.5 }, 'maxDatagramBytes'],
    [{ maxClients: 0 }, 'maxClients'],
    [{ floodBurst: 5, floodDatagramsPerSecond: 0 }, 'floodDatagramsPerSecond'],
    [{ registrationTimeoutMs: 99 }, 'registrationTimeoutMs'],
    [{ idleTimeoutMs: -1 }, 'idleTimeoutMs'],
    [{ maxSendBytesPerSecond: Number.NaN }, 'maxSendBytesPerSecond'],
    // A relayed message, `<name> ~ ` in front, must fit in one datagram of 65,507 bytes.
    [{ maxDatagramBytes: 65_473 }, 'maxDatagramBytes'],
    [{ maxDatagramBytes: 65_000, maxNameLength: 600 }, 'maxDatagramBytes'],
  ])('refuses %j naming %s', (overrides, option) => {
    expect(() => resolveUdpChatLimits(overrides)).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT', option }));
  });

  it('accepts the largest datagram whose relay fits in one', () => {
    expect(resolveUdpChatLimits({ maxDatagramBytes: 65_472 }).maxDatagramBytes).toBe(65_472);
    expect(resolveUdpChatLimits({ maxDatagramBytes: 65_503, maxNameLength: 1 }).maxDatagramBytes).toBe(65_503);
  });

  it('accepts every minimum', () => {
    const minimums = { maxDatagramBytes: 128, floodBurst: 0, maxClients: 1, maxSendBytesPerSecond: 0, idleTimeoutMs: 0, registrationTimeoutMs: 100 };
    expect(resolveUdpChatLimits(minimums)).toMatchObject(minimums);
  });
});

describe('UDP chat server limits', () => {
  it('relays a datagram of max-datagram-bytes and drops one byte more with DATAGRAM_TOO_LONG', async () => {
    const chat = await startUdpFakeChat({ maxDatagramBytes: 200 });
    const bob = await chat.join('bob', at(5001));
    chat.socket.deliver('a'.repeat(200), bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe(`bob ~ ${'a'.repeat(200)}`);
    chat.socket.deliver('b'.repeat(201), bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('[SERVER] DATAGRAM_TOO_LONG: datagrams are limited to 200 bytes; this one had 201');
    expect(chat.events.at(-1)).toEqual({ type: 'drop', reason: 'too-long', remote: bob, count: 1, detail: '201 bytes' });
  });

  it('drops datagrams past the burst with one FLOOD warning, and takes them again as the rate refills', async () => {
    const chat = await startUdpFakeChat({ floodBurst: 3, floodDatagramsPerSecond: 1 });
    const bob = await chat.join('bob', at(5001));
    chat.clock.advance(3000); // the join spent two; the bucket is full again
    for (const text of ['1', '2', '3', '4', '5']) chat.socket.deliver(text, bob);
    const texts = chat.socket.textsTo(bob);
    expect(texts.filter((t) => t.startsWith('bob ~ '))).toEqual(['bob ~ 1', 'bob ~ 2', 'bob ~ 3']);
    expect(texts.filter((t) => t.startsWith('[SERVER] FLOOD: '))).toHaveLength(1);
    chat.clock.advance(1000);
    chat.socket.deliver('6', bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('bob ~ 6');
  });

  it('lets max-clients users in and refuses one more with SERVER_FULL', async () => {
    const chat = await startUdpFakeChat({ maxClients: 2 });
    await chat.join('a1', at(5001));
    await chat.join('a2', at(5002));
    chat.socket.deliver(clientDatagram.join('a3'), at(5003));
    expect(chat.socket.textsTo(at(5003))).toEqual([expect.stringMatching(/^\[SERVER\] SERVER_FULL: /)]);
    expect(chat.server.userCount).toBe(2);
  });

  it('keeps at most max-clients registrations waiting for their code, forgetting the oldest', async () => {
    const chat = await startUdpFakeChat({ maxClients: 2 });
    for (const port of [6001, 6002, 6003]) chat.socket.deliver(clientDatagram.join(`w${port}`), at(port));
    chat.socket.deliver('aaaaaa', at(6001)); // the oldest was forgotten: its code is a name now
    expect(chat.socket.textsTo(at(6001)).at(-1)).toBe('[SERVER] dddddd');
    chat.socket.deliver('cccccc', at(6003));
    expect(chat.socket.textsTo(at(6003)).at(-1)).toMatch(/^\[SERVER\] Welcome, w6003!/);
  });

  it('relays up to the cap on bytes sent per second and answers one more message with SERVER_BUSY', async () => {
    const chat = await startUdpFakeChat({ maxSendBytesPerSecond: 140 });
    // Joining costs more than a second's worth here: time pays it back.
    const bob = await chat.join('bob', at(5001));
    chat.clock.advance(10_000);
    const eve = await chat.join('eve', at(5002));
    chat.clock.advance(10_000);
    const relays = () => chat.socket.textsTo(eve).filter((t) => t === 'bob ~ x').length;
    for (let i = 0; i < 10; i++) chat.socket.deliver('x', bob); // 7 bytes to 2 users: 14 each, 140 in all
    expect(relays()).toBe(10);
    chat.socket.deliver('x', bob);
    expect(relays()).toBe(10);
    expect(chat.socket.textsTo(bob).at(-1)).toMatch(/^\[SERVER\] SERVER_BUSY: /);
    expect(chat.events.some((e) => e.type === 'drop' && e.reason === 'send-cap')).toBe(true);
    chat.clock.advance(1000);
    chat.socket.deliver('x', bob);
    expect(relays()).toBe(11);
  });
});

describe('UDP chat server: bad datagrams', () => {
  it('drops datagrams that are not UTF-8 with a report, from anyone, and goes on', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    const sentBefore = chat.socket.sent.length;
    chat.socket.deliver(Uint8Array.of(0x68, 0xff, 0xfe), bob);
    chat.socket.deliver(Uint8Array.of(0xc3), at(9999)); // a cut-off character from a stranger
    chat.socket.deliver(Uint8Array.of(0xed, 0xa0, 0x80), bob); // an encoded surrogate
    expect(chat.socket.sent.length).toBe(sentBefore);
    expect(chat.events.filter((e) => e.type === 'drop').map((e) => e.type === 'drop' && e.reason)).toEqual(['malformed']);
    chat.clock.advance(1000); // the window ends: the two later drops are reported together
    expect(chat.events.at(-1)).toMatchObject({ type: 'drop', reason: 'malformed', count: 2 });
    chat.socket.deliver('still fine', bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('bob ~ still fine');
  });

  it('reports a failed send and carries on', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    chat.socket.failSends = 'EHOSTUNREACH';
    chat.socket.deliver('x', bob);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chat.events.at(-1)).toMatchObject({ type: 'drop', reason: 'send-failed', detail: 'EHOSTUNREACH' });
  });

  it('tries a datagram again while its send takes port-unreachable reports meant for earlier ones, up to the cap', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    chat.socket.failNext.push(...Array<string>(MAX_SEND_ATTEMPTS - 1).fill('ECONNREFUSED'));
    chat.socket.deliver('x', bob);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chat.socket.textsTo(bob).at(-1)).toBe('bob ~ x');
    expect(chat.events.some((e) => e.type === 'drop')).toBe(false);
    chat.socket.failNext.push(...Array<string>(MAX_SEND_ATTEMPTS).fill('ECONNREFUSED'));
    chat.socket.deliver('y', bob);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chat.socket.textsTo(bob).at(-1)).toBe('bob ~ x');
    expect(chat.events.at(-1)).toMatchObject({ type: 'drop', reason: 'send-failed', detail: 'ECONNREFUSED' });
  });
});
