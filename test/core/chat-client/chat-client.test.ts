// ChatClient against an in-memory connection and a hand-driven clock: every write is seen the
// moment it happens, and time only moves when the test says so.
import { describe, expect, it } from 'vitest';
import { ChatClient, INCOMING_LINE_LIMITS, type CloseInfo } from '../../../src/core/chat-client/chat-client.ts';
import { SERVER_LIMIT_RANGES } from '../../../src/core/chat-client/server-limit-ranges.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import type { ServerEvent } from '../../../src/protocol/chat/chat-lines.ts';
import { FakeClock, FakeConnection } from '../../helpers/chat-fakes.ts';

const LIMITS = '[Limits] max-line-bytes=64 flood-burst=3 flood-lines-per-second=10 flood-max-delayed-lines=100';

function setup(options: { replyTimeoutMs?: number; limitsTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const connection = new FakeConnection({ address: '127.0.0.1', port: 12000, family: 'IPv4' });
  // The server decides when to close, as a real one does after QUIT.
  connection.autoClose = false;
  const client = new ChatClient(new TcpLineLink(connection, INCOMING_LINE_LIMITS), { host: '127.0.0.1', port: 12000, clock, ...options });
  const events: ServerEvent[] = [];
  client.on('event', (event) => events.push(event));
  let closeInfo: CloseInfo | undefined;
  client.on('close', (info) => (closeInfo = info));
  return { clock, connection, client, events, closed: () => closeInfo };
}

async function joined(limits = LIMITS) {
  const s = setup();
  const result = s.client.join('alice');
  s.connection.send('[Server] Welcome to netchat. Register with: JOIN <name>\n');
  s.connection.send('[Server] Welcome, alice! 2 users online. Type HELP for commands.\n');
  s.connection.send(`${limits}\n`);
  expect(await result).toMatchObject({ ok: true, name: 'alice', online: 2 });
  return s;
}

describe('ChatClient join', () => {
  it('sends JOIN, then LIMITS after the welcome, and resolves once the limits are known', async () => {
    const s = setup();
    const result = s.client.join('alice');
    expect(s.connection.lines()).toEqual(['JOIN alice']);
    s.connection.send('[Server] Welcome, alice! 1 user online. Type HELP for commands.\n');
    expect(s.connection.lines()).toEqual(['JOIN alice', 'LIMITS']);
    s.connection.send(`${LIMITS}\n`);
    expect(await result).toEqual({ ok: true, name: 'alice', online: 1, text: expect.stringContaining('Welcome, alice!') });
    expect(s.client.name).toBe('alice');
    expect(s.client.maxLineBytes).toBe(64);
    // The welcome is an event; the LIMITS answer the client asked for is not.
    expect(s.events.map((e) => e.type)).toEqual(['welcome']);
  });

  it.each(['NAME_TAKEN', 'NAME_INVALID'])('returns the refusal %s and lets another name be tried', async (code) => {
    const s = setup();
    const first = s.client.join('alice');
    s.connection.send(`ERROR ${code} no\n`);
    expect(await first).toEqual({ ok: false, code, message: 'no' });
    const second = s.client.join('alice2');
    s.connection.send('[Server] Welcome, alice2! 1 user online.\n' + `${LIMITS}\n`);
    expect(await second).toMatchObject({ ok: true, name: 'alice2' });
    expect(s.connection.lines()).toEqual(['JOIN alice', 'JOIN alice2', 'LIMITS']);
  });

  it('assumes the default limits when the server does not know LIMITS', async () => {
    const s = setup();
    const result = s.client.join('alice');
    s.connection.send('[Server] Welcome, alice! 1 user online.\nERROR UNKNOWN_COMMAND LIMITS\n');
    expect(await result).toMatchObject({ ok: true });
    expect(s.client.maxLineBytes).toBe(4096);
    expect(s.events.map((e) => e.type)).toEqual(['welcome']);
  });

  it('assumes the default limits when LIMITS is not answered in time', async () => {
    const s = setup({ limitsTimeoutMs: 1000 });
    let settled = false;
    const result = s.client.join('alice').then((r) => ((settled = true), r));
    s.connection.send('[Server] Welcome, alice! 1 user online.\n');
    s.clock.advance(999);
    await Promise.resolve();
    expect(settled).toBe(false);
    s.clock.advance(1);
    expect(await result).toMatchObject({ ok: true });
  });

  it('gives up with reason timeout when JOIN is not answered in time', async () => {
    const s = setup({ replyTimeoutMs: 2000 });
    const result = s.client.join('alice');
    s.clock.advance(1999);
    expect(s.connection.destroyed).toBe(false);
    s.clock.advance(1);
    expect(await result).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'timeout' } });
    expect(s.connection.destroyed).toBe(true);
  });

  it('resolves a pending join as CLOSED when the server closes, with the fatal code it gave', async () => {
    const s = setup();
    const result = s.client.join('alice');
    s.connection.send('ERROR SERVER_FULL full\n');
    s.connection.emitClose(false);
    expect(await result).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'kicked', code: 'SERVER_FULL' } });
  });
});

describe('ChatClient receiving', () => {
  it('answers PING with PONG at once, even while paced lines wait, and emits no event', async () => {
    const s = await joined();
    for (let i = 0; i < 3; i++) s.client.send(`BROADCAST ${i}`);
    const before = s.connection.lines().length;
    s.connection.send('PING abc123\n');
    expect(s.connection.lines().slice(before)).toEqual(['PONG abc123']);
    expect(s.events.map((e) => e.type)).toEqual(['greeting', 'welcome']);
  });

  it('parses the same events whatever the chunk boundaries', async () => {
    const text =
      '[Broadcast] bob: héllo ✓\n[Private] bob: psst\r\n[Group team] carol: hi\n[Server] dave has joined the chat.\nPING t\n';
    const bytes = new TextEncoder().encode(text);
    const expected: string[] = [];
    {
      const s = await joined();
      s.connection.send(bytes);
      expected.push(...s.events.map((e) => JSON.stringify(e)));
      expect(s.events.map((e) => e.type)).toEqual(['greeting', 'welcome', 'broadcast', 'private', 'group', 'user-joined']);
    }
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = await joined();
      s.connection.send(bytes.subarray(0, cut));
      s.connection.send(bytes.subarray(cut));
      expect(s.events.map((e) => JSON.stringify(e)), `cut at ${cut}`).toEqual(expected);
      expect(s.connection.lines().at(-1)).toBe('PONG t');
    }
  });

  it('stops and restarts reading from the server when asked (its output backed up)', async () => {
    const s = await joined();
    s.client.pauseReading();
    expect(s.connection.paused).toBe(true);
    s.client.resumeReading();
    expect(s.connection.paused).toBe(false);
  });

  it('closes with INPUT_OVERFLOW when the server sends an endless line', async () => {
    const s = await joined();
    s.connection.send('x'.repeat(300 * 1024));
    expect(s.closed()).toMatchObject({ reason: 'error', code: 'INPUT_OVERFLOW' });
  });
});

describe('ChatClient sending', () => {
  it('paces lines a little under the server limits, counting JOIN and LIMITS', async () => {
    const s = await joined(); // burst 3 → 2 at once, 10/s → 9/s; JOIN and LIMITS spent both
    for (let i = 0; i < 4; i++) expect(s.client.send(`BROADCAST ${i}`)).toEqual({ ok: true });
    const sent = () => s.connection.lines().filter((l) => l.startsWith('BROADCAST'));
    expect(sent()).toEqual([]);
    const interval = Math.ceil(1000 / 9);
    s.clock.advance(interval - 1);
    expect(sent()).toEqual([]);
    s.clock.advance(1);
    expect(sent()).toEqual(['BROADCAST 0']);
    s.clock.advance(interval * 3);
    expect(sent()).toEqual(['BROADCAST 0', 'BROADCAST 1', 'BROADCAST 2', 'BROADCAST 3']);
    expect(s.client.queuedLines).toBe(0);
  });

  it('sends at once when the server has no flood control', async () => {
    const s = await joined('[Limits] max-line-bytes=4096 flood-burst=0 flood-lines-per-second=0');
    for (let i = 0; i < 500; i++) s.client.send(`BROADCAST ${i}`);
    expect(s.connection.lines().filter((l) => l.startsWith('BROADCAST'))).toHaveLength(500);
  });

  it('emits drain when the queue empties', async () => {
    const s = await joined();
    let drains = 0;
    s.client.on('drain', () => drains++);
    s.client.send('BROADCAST a');
    s.client.send('BROADCAST b');
    s.clock.advance(1000);
    expect(drains).toBe(1);
  });

  it('accepts a line of exactly max-line-bytes and refuses one byte more (counting UTF-8 bytes)', async () => {
    const s = await joined(); // max-line-bytes=64
    const prefix = 'BROADCAST ';
    expect(s.client.send(prefix + 'x'.repeat(64 - prefix.length))).toEqual({ ok: true });
    expect(s.client.send(prefix + 'x'.repeat(65 - prefix.length))).toMatchObject({ ok: false, code: 'LINE_TOO_LONG' });
    // 'é' is two bytes: 27 of them plus the prefix is 64 bytes, 28 is 66.
    expect(s.client.send(prefix + 'é'.repeat(27))).toEqual({ ok: true });
    expect(s.client.send(prefix + 'é'.repeat(28))).toMatchObject({ ok: false, code: 'LINE_TOO_LONG' });
    s.clock.advance(10_000);
    expect(s.connection.lines().filter((l) => l.startsWith('BROADCAST')).map((l) => l.length)).toEqual([64, 37]);
  });

  it.each(['BROADCAST a\nQUIT', 'BROADCAST a\r'])('refuses a line with CR or LF: %j', async (line) => {
    const s = await joined();
    expect(s.client.send(line)).toMatchObject({ ok: false, code: 'INVALID_LINE' });
  });

  it('refuses to send after the connection closed', async () => {
    const s = await joined();
    s.connection.emitClose(false);
    expect(s.client.send('BROADCAST late')).toMatchObject({ ok: false, code: 'CLOSED' });
  });
});

describe('ChatClient leave and close reasons', () => {
  it('sends QUIT after everything queued, half-closes, and ends with reason quit after the goodbye', async () => {
    const s = await joined();
    for (let i = 0; i < 3; i++) s.client.send(`BROADCAST ${i}`);
    const left = s.client.leave();
    expect(s.client.send('BROADCAST after')).toMatchObject({ ok: false, code: 'LEAVING' });
    expect(s.connection.lines()).not.toContain('QUIT');
    s.clock.advance(2000);
    expect(s.connection.lines().slice(-4)).toEqual(['BROADCAST 0', 'BROADCAST 1', 'BROADCAST 2', 'QUIT']);
    expect(s.connection.ended).toBe(true);
    s.connection.send('[Server] Goodbye, alice.\n');
    s.connection.emitClose(false);
    expect(await left).toEqual({ reason: 'quit' });
    expect(s.events.at(-1)).toEqual({ type: 'goodbye', name: 'alice' });
  });

  it('drops the queue when asked to leave at once', async () => {
    const s = await joined();
    for (let i = 0; i < 3; i++) s.client.send(`BROADCAST ${i}`);
    void s.client.leave({ discardQueued: true });
    s.clock.advance(2000);
    expect(s.connection.lines().slice(2)).toEqual(['QUIT']);
  });

  it('times out when the server does not close after QUIT', async () => {
    const s = setup({ replyTimeoutMs: 3000 });
    const left = s.client.leave();
    expect(s.connection.lines()).toEqual(['QUIT']);
    s.clock.advance(2999);
    expect(s.closed()).toBeUndefined();
    s.clock.advance(1);
    expect(await left).toMatchObject({ reason: 'timeout' });
    expect(s.connection.destroyed).toBe(true);
  });

  it.each([
    ['a bare close', '', { reason: 'server-closed' }],
    ['a shutdown notice', '[Server] Server is shutting down.\n', { reason: 'shutdown' }],
    ['ERROR FLOOD', 'ERROR FLOOD too fast\n', { reason: 'kicked', code: 'FLOOD', message: 'too fast' }],
    ['ERROR PING_TIMEOUT', 'ERROR PING_TIMEOUT gone\n', { reason: 'kicked', code: 'PING_TIMEOUT' }],
  ])('ends after %s with %j', async (_, text, expected) => {
    const s = await joined();
    if (text) s.connection.send(text);
    s.connection.emitClose(false);
    expect(await s.client.closed).toMatchObject(expected);
    expect(s.closed()).toMatchObject(expected);
  });

  it('a non-fatal ERROR keeps the connection and is an event', async () => {
    const s = await joined();
    s.connection.send('ERROR NO_SUCH_USER nobody\n');
    expect(s.events.at(-1)).toEqual({ type: 'error', code: 'NO_SUCH_USER', message: 'nobody' });
    expect(s.client.isClosed).toBe(false);
  });

  it('close() ends at once with reason aborted', async () => {
    const s = await joined();
    s.client.close();
    expect(await s.client.closed).toEqual({ reason: 'aborted' });
  });
});

describe('ChatClient and the values a server names in [Limits]', () => {
  const MiB = 1024 * 1024;
  const { maxReplyBytes, maxLineBytes, floodLinesPerSecond } = SERVER_LIMIT_RANGES;

  it('reads lines up to its own ceiling however large a max-reply-bytes the server names', async () => {
    const s = await joined(`${LIMITS} max-reply-bytes=1000000000000`);
    expect(maxReplyBytes.max).toBe(4 * MiB);
    s.connection.send(`[Broadcast] bob: ${'a'.repeat(maxReplyBytes.max - '[Broadcast] bob: '.length)}\n`);
    s.connection.send(`[Broadcast] bob: ${'b'.repeat(maxReplyBytes.max + 1 - '[Broadcast] bob: '.length)}\n`);
    s.connection.send('[Broadcast] bob: after\n');
    const texts = s.events.filter((e) => e.type === 'broadcast').map((e) => (e as { text: string }).text);
    expect(texts.map((t) => t.length)).toEqual([maxReplyBytes.max - '[Broadcast] bob: '.length, 'after'.length]);
  });

  it('closes with INPUT_OVERFLOW one byte past its ceiling without a line end', async () => {
    const s = await joined(`${LIMITS} max-reply-bytes=1000000000000`);
    s.connection.send('x'.repeat(maxReplyBytes.max));
    expect(s.closed()).toBeUndefined();
    s.connection.send('x');
    expect(s.closed()).toMatchObject({ reason: 'error', code: 'INPUT_OVERFLOW' });
  });

  it('applies a [Limits] line the server sends unasked, clamped as well', async () => {
    const s = await joined();
    s.connection.send('[Limits] max-line-bytes=1000000000000 max-reply-bytes=1000000000000\n');
    expect(s.client.maxLineBytes).toBe(maxLineBytes.max);
    s.connection.send('[Limits] max-line-bytes=1\n');
    expect(s.client.maxLineBytes).toBe(maxLineBytes.min);
    s.connection.send('y'.repeat(maxReplyBytes.max + 1));
    expect(s.closed()).toMatchObject({ reason: 'error', code: 'INPUT_OVERFLOW' });
  });

  // JOIN and LIMITS spent two tokens of a bucket that now holds one: QUIT waits for two refills.
  const quitDelay = (rate: number) => Math.ceil(2 / ((rate * 0.9) / 1000));

  it.each([
    ['at the lowest rate it accepts', floodLinesPerSecond.min, quitDelay(floodLinesPerSecond.min)],
    ['below it (raised to it)', 0.000000001, quitDelay(floodLinesPerSecond.min)],
    ['at zero (raised to it)', 0, quitDelay(floodLinesPerSecond.min)],
    ['just above it', floodLinesPerSecond.min * 2, quitDelay(floodLinesPerSecond.min * 2)],
  ])('paces with a timer it can keep when the server names a rate %s', async (_, rate, expectedDelay) => {
    const s = await joined(`[Limits] max-line-bytes=4096 flood-burst=2 flood-lines-per-second=${rate}`);
    void s.client.leave();
    expect(s.connection.lines()).not.toContain('QUIT');
    expect(s.clock.nextTimerIn).toBe(expectedDelay);
    expect(expectedDelay).toBeLessThan(2 ** 31 - 1);
    s.clock.advance(expectedDelay - 1);
    expect(s.connection.lines()).not.toContain('QUIT');
    s.clock.advance(1);
    expect(s.connection.lines().at(-1)).toBe('QUIT');
  });
});
