// ChatClient's login (AUTH, PASS) before JOIN, against an in-memory connection and a fake clock.
import { describe, expect, it } from 'vitest';
import { ChatClient, INCOMING_LINE_LIMITS } from '../../../src/core/chat-client/chat-client.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import type { ServerEvent } from '../../../src/protocol/chat/chat-lines.ts';
import { FakeClock, FakeConnection } from '../../helpers/chat-fakes.ts';

function setup() {
  const clock = new FakeClock();
  const connection = new FakeConnection({ address: '127.0.0.1', port: 12000, family: 'IPv4' });
  connection.autoClose = false;
  const client = new ChatClient(new TcpLineLink(connection, INCOMING_LINE_LIMITS), { host: '127.0.0.1', port: 12000, clock, replyTimeoutMs: 1000 });
  const events: ServerEvent[] = [];
  client.on('event', (event) => events.push(event));
  return { clock, connection, client, events };
}

describe('ChatClient login', () => {
  it('sends AUTH and resolves with the server\'s acceptance, then JOIN works as usual', async () => {
    const s = setup();
    const login = s.client.login('AUTH ann pass word');
    expect(s.connection.lines()).toEqual(['AUTH ann pass word']);
    s.connection.send('[Server] Logged in as ann (operator).\n');
    expect(await login).toEqual({ ok: true });
    expect(s.events).toEqual([{ type: 'logged-in', name: 'ann', operator: true }]);
    const joined = s.client.join('ann');
    s.connection.send('[Server] Welcome, ann! 1 user online.\n[Limits] max-line-bytes=4096\n');
    expect(await joined).toMatchObject({ ok: true, name: 'ann' });
  });

  it('resolves with the refusal\'s code, leaving the greeting lines before it as events', async () => {
    const s = setup();
    const login = s.client.login('PASS nope');
    s.connection.send('[Server] Welcome to netchat. Register with: JOIN <name>\n[Server] Before JOIN, send PASS <server password>.\nERROR PASSWORD_WRONG wrong server password\n');
    expect(await login).toEqual({ ok: false, code: 'PASSWORD_WRONG', message: 'wrong server password' });
    expect(s.events.map((e) => e.type)).toEqual(['greeting', 'login-hint', 'error']);
    const again = s.client.login('PASS right');
    s.connection.send('[Server] Password accepted.\n');
    expect(await again).toEqual({ ok: true });
  });

  it('gives up when no answer comes in time, and reports a close while waiting', async () => {
    const s = setup();
    const login = s.client.login('AUTH ann x');
    s.clock.advance(1000);
    expect(await login).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'timeout' } });

    const t = setup();
    const pending = t.client.login('AUTH ann x');
    t.connection.send('ERROR BANNED your address is banned from this server\n');
    t.connection.emitClose(false);
    expect(await pending).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'kicked', code: 'BANNED' } });
  });
});
