// The UDP chat server core on a fake socket and a fake clock: the original texts, joining with
// the code, names, leaving and expiry, restarts from a new port, and shutdown. Limits and the
// anti-amplification defence have their own files.
import { describe, expect, it } from 'vitest';
import { clientDatagram } from '../../../src/protocol/udp-chat/client-datagrams.ts';
import type { UdpRemote } from '../../../src/runtime/types.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { startUdpFakeChat } from './udp-chat-setup.ts';

const at = (port: number, address = '127.0.0.1'): UdpRemote => ({ address, port });

describe('UDP chat server: the original protocol', () => {
  it('registers a name sent the original way once the code comes back, then relays as <name> ~ <message>', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    const bobHad = chat.socket.textsTo(bob).length;
    const carol = at(5002);
    chat.socket.deliver('carol\n', carol); // nc -u: the name, with its newline
    const challenge = chat.socket.textsTo(carol);
    expect(challenge).toEqual(['[SERVER] bbbbbb']); // 6 bytes in, so at most 18 out: the short form
    expect(chat.socket.textsTo(bob)).toHaveLength(bobHad);
    chat.socket.deliver('bbbbbb\n', carol);
    expect(chat.socket.textsTo(carol)[1]).toBe('[SERVER] carol has joined the chat.');
    expect(chat.socket.textsTo(carol)[2]).toMatch(/^\[SERVER\] Welcome, carol! 2 users online\./);
    expect(chat.socket.textsTo(bob).slice(bobHad)).toEqual(['[SERVER] carol has joined the chat.']);

    chat.socket.deliver('hello bob\n', carol);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('carol ~ hello bob');
    expect(chat.socket.textsTo(carol).at(-1)).toBe('carol ~ hello bob'); // the sender too, as the original
    expect(chat.events.filter((e) => e.type === 'register').map((e) => e.type === 'register' && e.name)).toEqual(['bob', 'carol']);
  });

  it('sanitizes relayed text and keeps inner and trailing spaces', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    chat.socket.deliver('a\u001b[2Jb\u202e  x  ', bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('bob ~ a\uFFFD[2Jb\uFFFD  x  ');
  });

  it('treats an empty or blank datagram as a keepalive: not relayed, no answer', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    const before = chat.socket.sent.length;
    chat.socket.deliver('', bob);
    chat.socket.deliver('  \n', bob);
    expect(chat.socket.sent.length).toBe(before);
  });

  it('answers /ping with a pong and a repeated code or /join with the welcome again, without relaying', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    chat.socket.deliver('/ping 7', bob);
    chat.socket.deliver('aaaaaa', bob);
    chat.socket.deliver(clientDatagram.join('BOB'), bob);
    const texts = chat.socket.textsTo(bob).slice(-3);
    expect(texts[0]).toBe('[SERVER] pong 7');
    expect(texts[1]).toMatch(/^\[SERVER\] Welcome, bob! 1 user online\./);
    expect(texts[2]).toMatch(/^\[SERVER\] Welcome, bob!/);
    chat.socket.deliver(clientDatagram.join('robert'), bob);
    expect(chat.socket.textsTo(bob).at(-1)).toMatch(/^\[SERVER\] ALREADY_REGISTERED: /);
  });

  it('the welcome states the limits a client needs', async () => {
    const chat = await startUdpFakeChat({ maxDatagramBytes: 500, floodBurst: 4, floodDatagramsPerSecond: 2, idleTimeoutMs: 9000 });
    const bob = await chat.join('bob', at(5001));
    expect(chat.socket.textsTo(bob).at(-1)).toMatch(/Limits: max-datagram-bytes=500 flood-burst=4 flood-rate=2 idle-timeout-ms=9000$/);
  });
});

describe('UDP chat server: names', () => {
  it.each([
    ['a b', 'NAME_INVALID'],
    ['server', 'NAME_INVALID'],
    ['.dot', 'NAME_INVALID'],
    ['x'.repeat(33), 'NAME_INVALID'],
  ])('refuses %j with %s and keeps nothing', async (name, code) => {
    const chat = await startUdpFakeChat();
    const from = at(6000);
    chat.socket.deliver(clientDatagram.join(name), from);
    expect(chat.socket.textsTo(from)).toEqual([expect.stringMatching(new RegExp(`^\\[SERVER\\] ${code}: `))]);
    expect(chat.server.userCount).toBe(0);
    // Nothing was kept: the next datagram is a name again.
    chat.socket.deliver(clientDatagram.join('fine'), from);
    expect(chat.socket.textsTo(from).at(-1)).toMatch(/^\[SERVER\] Send \w{6} to join as fine\.$/);
  });

  it('accepts a name of exactly max-name-length and refuses one longer', async () => {
    const chat = await startUdpFakeChat({ maxNameLength: 8 });
    await chat.join('a'.repeat(8), at(6001));
    chat.socket.deliver(clientDatagram.join('b'.repeat(9)), at(6002));
    expect(chat.socket.textsTo(at(6002))[0]).toMatch(/^\[SERVER\] NAME_INVALID: a name is 1-8 of/);
  });

  it('refuses a name taken in another case from another address', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('Bob', at(5001));
    const other = at(5001, '10.0.0.2');
    chat.socket.deliver(clientDatagram.join('bOB'), other);
    expect(chat.socket.textsTo(other)).toEqual(['[SERVER] NAME_TAKEN: Bob is taken: send another name']);
    expect(chat.socket.textsTo(bob).some((t) => t.includes('bOB'))).toBe(false);
    expect(chat.events).toContainEqual({ type: 'refuse', remote: other, code: 'NAME_TAKEN', name: 'bOB' });
  });

  it('refuses at proof a name taken meanwhile; the proven address then joins with another name at once', async () => {
    const chat = await startUdpFakeChat();
    const late = at(7000, '10.0.0.3');
    chat.socket.deliver(clientDatagram.join('dave'), late);
    await chat.join('dave', at(7001));
    chat.socket.deliver('aaaaaa', late);
    expect(chat.socket.textsTo(late).at(-1)).toBe('[SERVER] NAME_TAKEN: dave is taken: send another name');
    chat.socket.deliver('davey\n', late); // proven already: no second code
    expect(chat.socket.textsTo(late).at(-2)).toBe('[SERVER] davey has joined the chat.');
    expect(chat.server.userCount).toBe(2);
  });

  it('lets two clients behind one IP address join under different names', async () => {
    const chat = await startUdpFakeChat();
    const a = await chat.join('ann', at(40000, '192.0.2.7'));
    await chat.join('ben', at(40001, '192.0.2.7'));
    chat.socket.deliver('hi', a);
    expect(chat.socket.textsTo(at(40001, '192.0.2.7')).at(-1)).toBe('ann ~ hi');
  });
});

describe('UDP chat server: leaving and expiry', () => {
  it('/quit says goodbye to the leaver and tells the others', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    const eve = await chat.join('eve', at(5002));
    chat.socket.deliver('/quit\n', bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('[SERVER] Goodbye, bob.');
    expect(chat.socket.textsTo(eve).at(-1)).toBe('[SERVER] bob has left the chat.');
    expect(chat.server.userCount).toBe(1);
    // A repeated /quit (our goodbye was lost) still gets an answer: the padded one fits.
    chat.socket.deliver(clientDatagram.quit(), bob);
    expect(chat.socket.textsTo(bob).at(-1)).toBe('[SERVER] Goodbye.');
  });

  it('expires a user silent for idle-timeout, not one silent a moment less', async () => {
    const chat = await startUdpFakeChat({ idleTimeoutMs: 1000 });
    const bob = await chat.join('bob', at(5001));
    const eve = await chat.join('eve', at(5002));
    chat.clock.advance(500);
    chat.socket.deliver('', eve); // eve keeps herself alive with an empty datagram
    chat.clock.advance(490);
    expect(chat.server.userCount).toBe(2);
    chat.clock.advance(20);
    expect(chat.server.userCount).toBe(1);
    expect(chat.socket.textsTo(eve).at(-1)).toBe('[SERVER] bob has left the chat (timed out).');
    expect(chat.socket.textsTo(bob).at(-1)).toMatch(/^\[SERVER\] IDLE_TIMEOUT: /);
    expect(chat.events).toContainEqual({ type: 'leave', remote: bob, name: 'bob', reason: 'timed-out' });
  });

  it('never expires anyone with idle-timeout 0', async () => {
    const chat = await startUdpFakeChat({ idleTimeoutMs: 0 });
    await chat.join('bob', at(5001));
    chat.clock.advance(600_000);
    expect(chat.server.userCount).toBe(1);
  });

  it('takes the code back a moment before registration-timeout', async () => {
    const chat = await startUdpFakeChat({ registrationTimeoutMs: 1000 });
    const slow = at(5003);
    chat.socket.deliver(clientDatagram.join('slow'), slow);
    chat.clock.advance(985);
    chat.socket.deliver('aaaaaa', slow);
    expect(chat.socket.textsTo(slow).at(-1)).toMatch(/^\[SERVER\] Welcome, slow!/);
  });

  it('forgets a registration whose code did not come back within registration-timeout', async () => {
    const chat = await startUdpFakeChat({ registrationTimeoutMs: 1000 });
    const slow = at(5003);
    chat.socket.deliver(clientDatagram.join('slow'), slow);
    chat.clock.advance(1010);
    chat.socket.deliver('aaaaaa', slow); // too late: now it is just a name, answered with a new code
    expect(chat.socket.textsTo(slow).at(-1)).toBe('[SERVER] bbbbbb');
  });
});

describe('UDP chat server: a client restarted from a new port', () => {
  it('takes over the name of a silent user at the same IP address once the probe goes unanswered', async () => {
    const chat = await startUdpFakeChat();
    const old = await chat.join('alice', at(5001));
    const eve = await chat.join('eve', at(5002));
    const restarted = at(5999);
    chat.socket.deliver(clientDatagram.join('alice'), restarted);
    chat.socket.deliver('cccccc', restarted);
    expect(chat.socket.textsTo(old).at(-1)).toMatch(/^\[SERVER\] Still there, alice\?/);
    expect(chat.server.userCount).toBe(2);
    chat.clock.advance(110);
    expect(chat.socket.textsTo(old).at(-1)).toMatch(/^\[SERVER\] REPLACED: /);
    expect(chat.socket.textsTo(eve).slice(-2)).toEqual(['[SERVER] alice has left the chat (replaced).', '[SERVER] alice has joined the chat.']);
    chat.socket.deliver('back', restarted);
    expect(chat.socket.textsTo(eve).at(-1)).toBe('alice ~ back');
  });

  it('never asks a user that joined with a bare name (nc, the original client): its name is taken', async () => {
    const chat = await startUdpFakeChat();
    const nc = at(5001);
    chat.socket.deliver('alice\n', nc);
    chat.socket.deliver('aaaaaa\n', nc);
    const other = at(5999);
    chat.socket.deliver(clientDatagram.join('alice'), other);
    expect(chat.socket.textsTo(other)).toEqual(['[SERVER] NAME_TAKEN: alice is taken: send another name']);
    expect(chat.socket.textsTo(nc).some((t) => t.includes('Still there'))).toBe(false);
  });

  it('keeps the name for a user that answers the probe', async () => {
    const chat = await startUdpFakeChat();
    const alive = await chat.join('alice', at(5001));
    const other = at(5999);
    chat.socket.deliver(clientDatagram.join('alice'), other);
    chat.socket.deliver('bbbbbb', other);
    chat.socket.deliver('/ping', alive);
    expect(chat.socket.textsTo(other).at(-1)).toBe('[SERVER] NAME_TAKEN: alice is taken: send another name');
    chat.clock.advance(1000);
    chat.socket.deliver('still me', alive);
    expect(chat.socket.textsTo(alive).at(-1)).toBe('alice ~ still me');
  });
});

describe('UDP chat server: shutdown', () => {
  it('sends the original shutdown notice to every proven address, none to an unproven one, then closes', async () => {
    const chat = await startUdpFakeChat();
    const bob = await chat.join('bob', at(5001));
    const pending = at(5002, '203.0.113.9');
    chat.socket.deliver(clientDatagram.join('maybe'), pending);
    const before = chat.socket.textsTo(pending).length;
    await chat.server.close();
    expect(chat.socket.textsTo(bob).at(-1)).toBe('[SERVER] Server is shutting down.');
    expect(chat.socket.textsTo(pending)).toHaveLength(before);
    expect(chat.socket.closed).toBe(true);
    chat.socket.deliver('late', bob); // ignored, no crash
  });

  it('stops its sweep timer', async () => {
    const clock = new FakeClock();
    const chat = await startUdpFakeChat({}, { clock });
    await chat.server.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
