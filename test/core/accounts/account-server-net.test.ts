// The chat server with accounts on real sockets on 127.0.0.1, as an `nc` user types it: AUTH
// and PASS before JOIN, real scrypt (N = 2^15), operators' KICK, BAN, UNBAN, BANS and WHOIS.
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../../src/core/accounts/account-service.ts';
import { resolveAccountsLimits } from '../../../src/core/accounts/accounts-limits.ts';
import { BanList } from '../../../src/core/accounts/ban-list.ts';
import { hashPassword } from '../../../src/core/accounts/password-check.ts';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { systemClock } from '../../../src/core/shared/clock.ts';
import type { AccountsDocument } from '../../../src/protocol/accounts/accounts-file.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { nodePasswordHashing } from '../../../src/runtime/password-hashing.ts';
import { nodeSmallTextFiles } from '../../../src/runtime/small-text-files.ts';
import { LineClient } from '../../helpers/line-client.ts';

let server: ChatServer | undefined;
const clients: LineClient[] = [];
let accounts: AccountsDocument;
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'netchat-accounts-net-'));
const bansPath = path.join(stateDir, 'bans');
const events: ChatServerEvent[] = [];
const certificate = getRuntime().createCertificate();

beforeAll(async () => {
  accounts = [
    { name: 'ann', password: await hashPassword(nodePasswordHashing, 'ann secret'), operator: true },
    { name: 'bob', password: await hashPassword(nodePasswordHashing, 'bob-pw'), operator: false },
  ];
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function start(
  options: { serverPassword?: string; requireAccount?: boolean; host?: string; limits?: Partial<ChatLimits>; tls?: boolean } = {},
): Promise<number> {
  const bans = await BanList.open({ files: nodeSmallTextFiles, path: bansPath, onSaveError: (error) => expect.fail(error.message) });
  const service = new AccountService({
    accounts,
    serverPassword: options.serverPassword,
    requireAccount: options.requireAccount ?? false,
    allowPlaintextAuth: false,
    limits: resolveAccountsLimits(),
    hashing: nodePasswordHashing,
    clock: systemClock,
    bans,
  });
  server = await startChatServer(getRuntime(), {
    host: options.host ?? '127.0.0.1',
    port: 0,
    limits: { floodBurst: 0, ...options.limits },
    accounts: service,
    ...(options.tls && { tls: { cert: certificate.certificatePem, key: certificate.privateKeyPem, port: 0 } }),
    closeGraceMs: 300,
    onEvent: (event) => events.push(event),
  });
  return server.address.port;
}

async function connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
  const client = await LineClient.connect(port, host);
  clients.push(client);
  return client;
}

/** Log in and join as `name`, as an nc user would type it. */
async function member(port: number, name: string, password: string): Promise<LineClient> {
  const client = await connect(port);
  client.sendLine(`AUTH ${name} ${password}`);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(/^\[Server\] Welcome, /);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  const s = server;
  server = undefined;
  await s?.close();
  await s?.accounts?.bans.flushed();
  rmSync(bansPath, { force: true });
});

describe('logins on real sockets', () => {
  it('keeps a registered name for its account, and lets the right password in', async () => {
    const port = await start();
    const client = await connect(port);
    await client.waitForLine('[Server] Before JOIN, send AUTH <name> <password> (registered names).');
    client.sendLine('JOIN bob');
    await client.waitForLine(/^ERROR ACCOUNT_REQUIRED .*AUTH bob/);
    client.sendLine('AUTH bob wrong');
    await client.waitForLine(/^ERROR LOGIN_FAILED /);
    client.sendLine('AUTH bob bob-pw');
    await client.waitForLine('[Server] Logged in as bob.');
    client.sendLine('JOIN bob');
    await client.waitForLine(/^\[Server\] Welcome, bob!/);
    // Anyone may still use a name nobody registered.
    const guest = await connect(port);
    guest.sendLine('JOIN carl');
    await guest.waitForLine(/^\[Server\] Welcome, carl!/);
  });

  it('throttles the fourth login within a minute, the right password included', async () => {
    const port = await start();
    const client = await connect(port);
    for (let i = 0; i < 3; i++) client.sendLine(`AUTH ann guess${i}`);
    client.sendLine('AUTH ann ann secret');
    await client.waitForLine(/^ERROR LOGIN_THROTTLED .*try again in \d+ s/);
    expect(client.lines.filter((line) => line.startsWith('ERROR LOGIN_FAILED'))).toHaveLength(3);
    expect(client.lines.join('\n')).not.toContain('guess');
  });

  it('asks everyone for the server password with --password-file', async () => {
    const port = await start({ serverPassword: 'let me in' });
    const client = await connect(port);
    client.sendLine('JOIN carl');
    await client.waitForLine(/^ERROR PASSWORD_REQUIRED /);
    client.sendLine('PASS let me out');
    await client.waitForLine(/^ERROR PASSWORD_WRONG /);
    client.sendLine('PASS let me in');
    await client.waitForLine('[Server] Password accepted.');
    client.sendLine('JOIN carl');
    await client.waitForLine(/^\[Server\] Welcome, carl!/);
  });

  it('admits only account holders with --require-account', async () => {
    const port = await start({ requireAccount: true });
    const client = await connect(port);
    client.sendLine('JOIN carl');
    await client.waitForLine(/^ERROR ACCOUNT_REQUIRED /);
    await member(port, 'bob', 'bob-pw');
  });

  it('refuses an anonymous upload and closes, never reading its bytes as lines', async () => {
    for (const options of [{ requireAccount: true }, { serverPassword: 'pw' }]) {
      const port = await start(options);
      const client = await connect(port);
      client.send('UPLOAD_RAW notes.txt\nJOIN sneaky\n');
      await client.waitForLine(/^ERROR (ACCOUNT|PASSWORD)_REQUIRED .*\/upload/);
      await client.waitForClose();
      expect(client.lines.join('\n')).not.toContain('Welcome, sneaky');
      expect(events).not.toContainEqual(expect.objectContaining({ type: 'register', name: 'sneaky' }));
      await server!.close();
    }
  });
});

describe('operators on real sockets', () => {
  it('may KICK with a reason and see addresses; others may not', async () => {
    const port = await start();
    const ann = await member(port, 'ann', 'ann secret');
    const bob = await member(port, 'bob', 'bob-pw');
    const carl = await connect(port);
    carl.sendLine('JOIN carl');
    await carl.waitForLine(/^\[Server\] Welcome, carl!/);

    bob.sendLine('KICK carl');
    await bob.waitForLine(/^ERROR NOT_OPERATOR /);
    bob.sendLine('WHOIS carl');
    await bob.waitForLine((line) => line.startsWith('ERROR NOT_OPERATOR') && line.includes('WHOIS'));

    ann.sendLine('WHOIS carl');
    expect(await ann.waitForLine(/^\[Whois\]/)).toBe('[Whois] carl address=127.0.0.1 account=- operator=no');
    ann.sendLine('KICK carl  stop spamming ');
    await ann.waitForLine('[Server] Kicked carl.');
    await carl.waitForLine('ERROR KICKED kicked by ann: stop spamming');
    await carl.waitForClose();
    await bob.waitForLine('[Server] carl has left the chat (kicked: by ann: stop spamming).');
    ann.sendLine('KICK nobody');
    await ann.waitForLine(/^ERROR NO_SUCH_USER /);
  });

  it('takes an operator’s powers away at once when a reloaded accounts file demotes or removes the account', async () => {
    const port = await start();
    const ann = await member(port, 'ann', 'ann secret');
    ann.sendLine('WHOIS ann');
    expect(await ann.waitForLine(/^\[Whois\]/)).toBe('[Whois] ann address=127.0.0.1 account=ann operator=yes');
    const service = server!.accounts!;
    service.replaceAccounts(accounts.map((entry) => ({ ...entry, operator: false })));
    ann.sendLine('WHOIS ann');
    await ann.waitForLine((line) => line.startsWith('ERROR NOT_OPERATOR') && line.includes('WHOIS'));
    service.replaceAccounts(accounts);
    ann.sendLine('BANS');
    await ann.waitForLine(/^\[Bans\]/);
    service.replaceAccounts(accounts.filter((entry) => !('name' in entry) || entry.name !== 'ann'));
    ann.sendLine('KICK bob');
    await ann.waitForLine(/^ERROR NOT_OPERATOR /);
    // Logged-in users stay logged in: ann still chats.
    ann.sendLine('PING still');
    await ann.waitForLine('PONG still');
  });

  it('BAN a name closes its user and refuses it from then on, across a restart', async () => {
    let port = await start();
    const ann = await member(port, 'ann', 'ann secret');
    const eve = await connect(port);
    eve.sendLine('JOIN Eve');
    await eve.waitForLine(/^\[Server\] Welcome, Eve!/);
    ann.sendLine('BAN eve');
    await ann.waitForLine('[Server] Banned name eve (1 connection closed).');
    await eve.waitForLine(/^ERROR BANNED /);
    await eve.waitForClose();
    await server!.accounts!.bans.flushed();
    expect(readFileSync(bansPath, 'utf8')).toContain('name eve\n');

    await server!.close();
    port = await start();
    const again = await connect(port);
    again.sendLine('JOIN EVE');
    await again.waitForLine(/^ERROR BANNED /);
    await again.waitForClose();

    const ann2 = await member(port, 'ann', 'ann secret');
    ann2.sendLine('BANS');
    await ann2.waitForLine('[Bans] name eve');
    await ann2.waitForLine('[Bans] 1 ban.');
    ann2.sendLine('UNBAN eve');
    await ann2.waitForLine('[Server] Unbanned name eve.');
    ann2.sendLine('UNBAN eve');
    await ann2.waitForLine(/^ERROR NO_SUCH_BAN /);
    ann2.sendLine('BAN not a name!');
    await ann2.waitForLine(/^ERROR BAN_INVALID /);
    const back = await connect(port);
    back.sendLine('JOIN eve');
    await back.waitForLine(/^\[Server\] Welcome, eve!/);
  });

  it('BAN an address refuses its new connections at once, and closes its users but never the operator', async () => {
    const port = await start();
    const ann = await member(port, 'ann', 'ann secret');
    const other = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => resolve(socket));
      socket.once('error', reject);
    });
    other.write('JOIN mallory\n');
    let otherText = '';
    other.setEncoding('utf8').on('data', (chunk: string) => (otherText += chunk));
    const otherClosed = new Promise((resolve) => other.on('close', resolve));
    await ann.waitForLine('[Server] mallory has joined the chat.');
    ann.sendLine('BAN 127.0.0.2');
    await ann.waitForLine('[Server] Banned address 127.0.0.2 (1 connection closed).');
    await otherClosed;
    expect(otherText).toMatch(/ERROR BANNED banned by ann/);

    const refused = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    let refusedText = '';
    refused.setEncoding('utf8').on('data', (chunk: string) => (refusedText += chunk));
    await new Promise((resolve) => refused.on('close', resolve));
    expect(refusedText).toMatch(/^ERROR BANNED /);
    expect(events).toContainEqual(expect.objectContaining({ type: 'refuse', code: 'BANNED' }));

    // The operator's own address is banned too: an operator on it stays, new connections do not.
    ann.sendLine('BAN 127.0.0.1');
    await ann.waitForLine('[Server] Banned address 127.0.0.1.');
    ann.sendLine('UNBAN 127.0.0.1');
    await ann.waitForLine('[Server] Unbanned address 127.0.0.1.');
  });
});

describe('a banned address reconnecting in a loop', () => {
  it('pays the connect rate like anyone: past its burst it gets CONNECTING_TOO_FAST, not BANNED', async () => {
    const port = await start({ limits: { maxConnectionsPerIp: 2, connectRatePerIp: 0.01 } });
    server!.accounts!.bans.add({ kind: 'address', target: '127.0.0.3' });
    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.3' });
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => {});
      await new Promise((resolve) => socket.on('close', resolve));
      replies.push(text.split(' ')[1] ?? '');
    }
    expect(replies).toEqual(['BANNED', 'BANNED', 'CONNECTING_TOO_FAST']);
  });
});

describe('plain connections from other machines', () => {
  const external = getRuntime()
    .networkAddresses()
    .find((a) => !a.internal && a.family === 'IPv4');

  it.skipIf(!external)('refuse passwords, saying why, before hashing anything', async () => {
    const port = await start({ host: '0.0.0.0' });
    const client = await connect(port, external!.address);
    await client.waitForLine(/^\[Server\] This server asks for a password, and refuses passwords over unencrypted connections/);
    client.sendLine('AUTH bob bob-pw');
    const refusal = await client.waitForLine(/^ERROR PLAINTEXT_AUTH_REFUSED /);
    expect(refusal).toMatch(/TLS/);
    expect(refusal).not.toContain('bob-pw');
  });

  it.skipIf(!external)('accept them over TLS', async () => {
    await start({ host: '0.0.0.0', tls: true });
    const secure = server!.listening.find((listener) => listener.encrypted)!.address.port;
    const socket = tls.connect({ host: external!.address, port: secure, rejectUnauthorized: false });
    let text = '';
    const arrived = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(text) ? resolve() : undefined);
        socket.on('data', check);
        socket.on('close', () => reject(new Error(`closed; got:\n${text}`)));
        check();
      });
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    try {
      await arrived(/Before JOIN, send AUTH/);
      socket.write('AUTH bob bob-pw\nJOIN bob\n');
      await arrived(/\[Server\] Welcome, bob!/);
      expect(text).toContain('[Server] Logged in as bob.');
    } finally {
      socket.destroy();
    }
  });
});
