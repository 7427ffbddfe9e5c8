// Who an upload over HTTP is from, under every runtime: a page's WebSocket user asks for a
// one-time TICKET on the chat and presents it with the POST, so a terminal user is told the
// file came from that user; a forged, reused or absent ticket never carries a name (a bad one
// is refused and stores nothing; none at all is a guest's upload, and only where guests may
// upload).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, watch, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startWebServer, stopServer } from '../helpers/web-browser.ts';
import { WebSocketLineClient } from '../helpers/web-socket-client.ts';

const TICKET_LINE = /^TICKET ([0-9a-f]{32}) \d+$/;

describe(`uploads over HTTP carry the page user's name through a ticket [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-owner-'));
  const shared = path.join(dir, 'shared');
  let server: CliProcess;
  let port: number;
  let webPort: number;
  let url: string;
  let terminal: LineClient;
  let alice: WebSocketLineClient;

  const post = (name: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(new URL(`/files/${encodeURIComponent(name)}`, url), { method: 'POST', body: bytes, headers });

  async function ticketFor(client: WebSocketLineClient): Promise<string> {
    const before = client.lines.length;
    client.send('TICKET');
    return TICKET_LINE.exec(await client.waitForLine(TICKET_LINE, 10_000, before))![1]!;
  }

  beforeAll(async () => {
    ({ server, port, webPort, url } = await startWebServer({ sharedDir: shared, extra: ['--min-free-disk', '0'] }));
    terminal = await LineClient.connect(port);
    terminal.sendLine('JOIN tom');
    await terminal.waitForLine(/^\[Server\] Welcome, tom!/);
    alice = await WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`, { Origin: url.replace(/\/$/, '') });
    alice.send('JOIN alice');
    await alice.waitForLine(/^\[Server\] Welcome, alice!/);
  });

  afterAll(async () => {
    terminal?.socket.destroy();
    alice?.close();
    if (server) await stopServer(server);
  });

  it('announces an upload with a ticket under the page user’s name, to everyone but her', async () => {
    const ticket = await ticketFor(alice);
    const stored = await post('report.csv', randomBytes(1_000_000), { 'X-Netchat-Ticket': ticket });
    expect(stored.status).toBe(201);
    await terminal.waitForLine('[Server] alice shared report.csv (1.0 MB).');
    // The uploader is not told of her own file, as a terminal uploader is not.
    alice.send('PING own');
    await alice.waitForLine('PONG own');
    expect(alice.lines.filter((line) => line.includes('shared report.csv'))).toEqual([]);
  });

  it('refuses a reused, forged or borrowed ticket with TICKET_INVALID and stores nothing', async () => {
    const ticket = await ticketFor(alice);
    expect((await post('first.txt', new TextEncoder().encode('one'), { 'X-Netchat-Ticket': ticket })).status).toBe(201);
    await terminal.waitForLine('[Server] alice shared first.txt (3 B).');
    const reused = await post('reused.txt', new TextEncoder().encode('two'), { 'X-Netchat-Ticket': ticket });
    expect(reused.status).toBe(403);
    expect(await reused.json()).toMatchObject({ error: 'TICKET_INVALID' });
    const forged = await post('forged.txt', new TextEncoder().encode('three'), { 'X-Netchat-Ticket': '0'.repeat(32) });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ error: 'TICKET_INVALID' });
    // Tickets die with the chat connection that asked: one kept after leaving names nobody.
    const bob = await WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`);
    bob.send('JOIN bob');
    await bob.waitForLine(/^\[Server\] Welcome, bob!/);
    const bobs = await ticketFor(bob);
    bob.send('QUIT');
    await terminal.waitForLine(/^\[Server\] bob has left the chat/);
    const orphan = await post('orphan.txt', new TextEncoder().encode('four'), { 'X-Netchat-Ticket': bobs });
    expect(await orphan.json()).toMatchObject({ error: 'TICKET_INVALID' });
    expect(readdirSync(shared).sort()).toEqual(['first.txt', 'report.csv']);
    // Nothing announced any of them.
    terminal.sendLine('PING done');
    await terminal.waitForLine('PONG done');
    expect(terminal.lines.filter((line) => /shared (reused|forged|orphan)/.test(line))).toEqual([]);
    expect(server.stderr()).toMatch(/refused a web upload of "forged\.txt" from \S+: TICKET_INVALID/);
  });

  it('without a ticket the upload is a guest’s, whatever name it claims', async () => {
    const stored = await post('anonymous.txt', new TextEncoder().encode('guest'), { 'X-Netchat-User': 'alice', Cookie: 'name=alice' });
    expect(stored.status).toBe(201);
    await terminal.waitForLine('[Server] A guest shared anonymous.txt (5 B).');
  });
});

describe(`a server that asks for a password refuses uploads without a ticket [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-owner-pw-'));
  const shared = path.join(dir, 'shared');
  let server: CliProcess;
  let webPort: number;
  let url: string;

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'password'), 'open sesame\n');
    ({ server, webPort, url } = await startWebServer({ sharedDir: shared, extra: ['--min-free-disk', '0', '--password-file', path.join(dir, 'password')] }));
  });
  afterAll(async () => {
    if (server) await stopServer(server);
  });

  it('answers PASSWORD_REQUIRED to a guest, and stores the upload of a user who gave it', async () => {
    const guest = await fetch(new URL('/files/guest.txt', url), { method: 'POST', body: 'x' });
    expect(guest.status).toBe(403);
    expect(await guest.json()).toMatchObject({ error: 'PASSWORD_REQUIRED' });
    const carol = await WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`);
    carol.send('PASS open sesame');
    carol.send('JOIN carol');
    await carol.waitForLine(/^\[Server\] Welcome, carol!/);
    carol.send('TICKET');
    const [, ticket] = TICKET_LINE.exec(await carol.waitForLine(TICKET_LINE))!;
    const stored = await fetch(new URL('/files/carol.txt', url), { method: 'POST', body: 'c', headers: { 'X-Netchat-Ticket': ticket! } });
    expect(stored.status).toBe(201);
    expect(readdirSync(shared)).toEqual(['carol.txt']);
    carol.close();
  });
});

describe(`a ticket's upload counts against its user's transfers [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-owner-slots-'));
  const shared = path.join(dir, 'shared');
  let server: CliProcess;
  let webPort: number;
  let url: string;

  beforeAll(async () => {
    mkdirSync(shared);
    ({ server, webPort, url } = await startWebServer({ sharedDir: shared, extra: ['--min-free-disk', '0', '--max-transfers-per-user', '1'] }));
  });
  afterAll(async () => {
    if (server) await stopServer(server);
  });

  /** Resolves once the shared folder holds a hidden partial file: an upload holds its slot. */
  function partialFileAppears(): Promise<void> {
    return new Promise((resolve) => {
      const found = () => readdirSync(shared).some((name) => name.startsWith('.'));
      const watcher = watch(shared, () => {
        if (!found()) return;
        watcher.close();
        resolve();
      });
      if (found()) {
        watcher.close();
        resolve();
      }
    });
  }

  it('refuses a second upload of the same user with TOO_MANY_TRANSFERS while a guest’s goes through', async () => {
    const dana = await WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`);
    dana.send('JOIN dana');
    await dana.waitForLine(/^\[Server\] Welcome, dana!/);
    const ticket = async () => {
      const before = dana.lines.length;
      dana.send('TICKET');
      return TICKET_LINE.exec(await dana.waitForLine(TICKET_LINE, 10_000, before))![1]!;
    };
    // Dana's first upload stays open: its head and a few bytes of a larger body.
    const held = net.connect(webPort, '127.0.0.1');
    held.on('error', () => {});
    const appeared = partialFileAppears();
    held.write(`POST /files/held.bin HTTP/1.1\r\nHost: 127.0.0.1:${webPort}\r\nContent-Length: 100000\r\nX-Netchat-Ticket: ${await ticket()}\r\n\r\nfirst bytes`);
    await appeared;
    const second = await fetch(new URL('/files/second.bin', url), { method: 'POST', body: 'two', headers: { 'X-Netchat-Ticket': await ticket() } });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: 'TOO_MANY_TRANSFERS' });
    // A guest from the same address is another owner: its upload has its own slot.
    expect((await fetch(new URL('/files/guest.bin', url), { method: 'POST', body: 'guest' })).status).toBe(201);
    held.destroy();
    dana.close();
  });
});
