// The web client's HTTP and WebSocket parts without a browser, against the real
// `netchat serve --web` under every runtime (Node from dist/, Bun, Deno, the binary): the page
// and its headers, the chat over a WebSocket meeting a TCP user, the origin check, the limits,
// and files over HTTP (listing, ranged download with its SHA-256, verified uploads).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startWebServer, stopServer } from '../helpers/web-browser.ts';
import { WebSocketLineClient } from '../helpers/web-socket-client.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MAX_LINE = 512;
const MAX_UNTERMINATED = 1024;
const MAX_UPLOAD = 100_000;
const MAX_PER_IP = 16;

describe(`netchat serve --web: HTTP and WebSocket [${CLI_RUNTIME}]`, () => {
  const shared = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-http-'));
  let server: CliProcess;
  let port: number;
  let webPort: number;
  let url: string;
  const open: Array<{ close(): void }> = [];

  // Several of the server's read chunks (1 MiB), so the buffers it fills again are exercised.
  const big = randomBytes(5 * 1024 * 1024 + 123);

  beforeAll(async () => {
    writeFileSync(path.join(shared, 'hello.txt'), 'hello, web\n');
    writeFileSync(path.join(shared, 'big.bin'), big);
    ({ server, port, webPort, url } = await startWebServer({
      sharedDir: shared,
      extra: [
        '--max-line-bytes', String(MAX_LINE),
        '--max-unterminated-bytes', String(MAX_UNTERMINATED),
        '--max-upload-size', String(MAX_UPLOAD),
        '--min-free-disk', '0',
        '--web-max-per-ip', String(MAX_PER_IP),
        '--web-max-header-bytes', '4k',
      ],
    }));
  });
  afterAll(async () => {
    for (const client of open) client.close();
    if (server) await stopServer(server);
  });

  const chat = async (name: string, headers: Record<string, string> = {}) => {
    const client = await WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`, headers);
    open.push(client);
    await client.waitForLine(/^\[Server\] Welcome to netchat/);
    client.send(`JOIN ${name}`);
    await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
    return client;
  };

  it(`keeps ${MAX_PER_IP} HTTP connections per address open, and drops one more`, async () => {
    // First in the file: no other connection from this address is open yet. Each connection
    // asks for the page while all are held open: the server answers the first MAX_PER_IP it
    // admits (Bun admits a connection when its first bytes arrive, Node when it is accepted).
    const sockets = await Promise.all(
      Array.from({ length: MAX_PER_IP + 1 }, () => new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(webPort, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    const outcomes = await Promise.all(
      sockets.map((socket) => new Promise<'answered' | 'dropped'>((resolve) => {
        socket.on('error', () => {});
        socket.once('data', () => resolve('answered'));
        socket.once('close', () => resolve('dropped'));
        socket.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
      })),
    );
    for (const socket of sockets) socket.destroy();
    expect(outcomes.filter((o) => o === 'answered')).toHaveLength(MAX_PER_IP);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(1);
    await server.waitForStderr(/refused a web connection from 127\.0\.0\.1:\d+: TOO_MANY_CONNECTIONS/);
  });

  it('serves the page with a strict CSP, no inline script, compressed and cached', async () => {
    const page = await fetch(url, { headers: { 'Accept-Encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // Every script has a src; no attribute runs code or sets a style.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=/i);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    let firstLoad = Number((await fetch(url, { method: 'HEAD', headers: { 'Accept-Encoding': 'br' } })).headers.get('content-length'));
    for (const asset of assets) {
      const response = await fetch(new URL(asset, url), { method: 'HEAD', headers: { 'Accept-Encoding': 'br, gzip' } });
      expect(response.headers.get('content-encoding')).toBe('br');
      expect(response.headers.get('cache-control')).toContain('immutable');
      firstLoad += Number(response.headers.get('content-length'));
    }
    expect(firstLoad).toBeLessThan(100 * 1024);
    const gzip = await fetch(url, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    const again = await fetch(url, { headers: { 'If-None-Match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const missing = await fetch(new URL('/nothing', url));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'NOT_FOUND' });
  });

  it('a WebSocket user and a TCP user chat: broadcast, private, sanitised text', async () => {
    const web = await chat('webu');
    const tcp = await LineClient.connect(port);
    open.push(tcp);
    tcp.sendLine('JOIN tcpu');
    await tcp.waitForLine(/^\[Server\] Welcome, tcpu!/);
    web.send('BROADCAST hello from the web');
    await tcp.waitForLine('[Broadcast] webu: hello from the web');
    tcp.sendLine('UNICAST webu psst \u001b[2Jgone');
    await web.waitForLine('[Private] tcpu: psst \uFFFD[2Jgone');
    // Several lines in one message are several lines, as on TCP.
    web.send('BROADCAST one\nBROADCAST two');
    await tcp.waitForLine('[Broadcast] webu: two');
    tcp.sendLine('QUIT');
    await web.waitForLine(/^\[Server\] tcpu has left the chat \(quit\)\.$/);
  });

  it('refuses a WebSocket from another site’s page, and accepts its own page and non-browsers', async () => {
    await expect(WebSocketLineClient.connect(`ws://127.0.0.1:${webPort}/chat`, { Origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    await server.waitForStderr(/origin "http:\/\/evil\.example" is not this page/);
    await chat('sameorigin', { Origin: `http://127.0.0.1:${webPort}` });
    await chat('noorigin');
  });

  it('keeps the chat limits on a WebSocket: a line at the limit, one past, and a message past the unterminated bound', async () => {
    const web = await chat('limits');
    web.send(`PING ${'x'.repeat(MAX_LINE - 'PING '.length)}`);
    await web.waitForLine(/^PONG x+$/);
    web.send(`PING ${'y'.repeat(MAX_LINE - 'PING '.length + 1)}`);
    await web.waitForLine(/^ERROR LINE_TOO_LONG/);
    web.send('x'.repeat(MAX_UNTERMINATED + 1));
    expect(await web.waitForClose()).toBe(1009);
  });

  it('lets go at once of a WebSocket peer that broke the limit and never answers the close: its name is free again', async () => {
    // By hand, as a careless client would: the handshake, JOIN, a message past the bound, and
    // no answer to the server's close frame.
    // Half-open: the server's FIN is not answered either.
    const raw = net.connect({ port: webPort, host: '127.0.0.1', allowHalfOpen: true });
    open.push({ close: () => raw.destroy() });
    raw.on('error', () => {});
    const key = randomBytes(16).toString('base64');
    raw.write(`GET /chat HTTP/1.1\r\nHost: 127.0.0.1:${webPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let seen = '';
    raw.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    /** A masked client text frame (mask of zeros: the payload goes as it is). */
    const frame = (text: string) => {
      const payload = Buffer.from(text);
      const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
      return Buffer.concat([Buffer.from([0x81]), length, Buffer.alloc(4), payload]);
    };
    await expect.poll(() => seen.includes('Welcome to netchat')).toBe(true);
    raw.write(frame('JOIN careless'));
    await expect.poll(() => seen.includes('Welcome, careless!')).toBe(true);
    raw.write(frame('x'.repeat(MAX_UNTERMINATED + 1)));
    // Well before ws's own 30 s close timeout, the name is free for someone else.
    const started = Date.now();
    await expect
      .poll(
        async () => {
          const probe = await LineClient.connect(port);
          probe.sendLine('JOIN careless');
          const answer = await probe.waitForLine((line) => line.startsWith('[Server] Welcome, ') || line.startsWith('ERROR'));
          probe.close();
          return answer.startsWith('[Server] Welcome, careless');
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('lists and serves files with their SHA-256, resuming with Range', async () => {
    const listing = (await (await fetch(new URL('/files', url))).json()) as { files: Array<{ name: string; size: number }> };
    expect(listing.files).toContainEqual(expect.objectContaining({ name: 'hello.txt', size: 11 }));
    const whole = await fetch(new URL('/files/hello.txt', url));
    const body = new Uint8Array(await whole.arrayBuffer());
    expect(new TextDecoder().decode(body)).toBe('hello, web\n');
    expect(whole.headers.get('x-netchat-sha256')).toBe(sha256(body));
    expect(whole.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    const rest = await fetch(new URL('/files/hello.txt', url), { headers: { Range: 'bytes=7-' } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe('bytes 7-10/11');
    expect(await rest.text()).toBe('web\n');
    const past = await fetch(new URL('/files/hello.txt', url), { headers: { Range: 'bytes=11-' } });
    expect(past.status).toBe(416);
    const outside = await fetch(new URL('/files/..%2Fetc%2Fpasswd', url));
    expect((await outside.json()) as object).toMatchObject({ error: 'FILE_NAME_INVALID' });
  });

  it('serves a file of many read chunks byte-exact, whole and from the middle of a chunk', async () => {
    const whole = new Uint8Array(await (await fetch(new URL('/files/big.bin', url))).arrayBuffer());
    expect(whole.length).toBe(big.length);
    expect(sha256(whole)).toBe(sha256(big));
    const from = 1024 * 1024 + 512 * 1024 + 7;
    const rest = await fetch(new URL('/files/big.bin', url), { headers: { Range: `bytes=${from}-` } });
    expect(rest.status).toBe(206);
    expect(sha256(new Uint8Array(await rest.arrayBuffer()))).toBe(sha256(big.subarray(from)));
  });

  it('stores a verified upload, refuses a corrupt one and leaves nothing of it', async () => {
    const post = (name: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
      fetch(new URL(`/files/${encodeURIComponent(name)}`, url), { method: 'POST', body: bytes, headers });
    const bytes = randomBytes(MAX_UPLOAD);
    const stored = await post('at limit.bin', bytes, { 'X-Netchat-Sha256': sha256(bytes) });
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ name: 'at limit.bin', size: MAX_UPLOAD, sha256: sha256(bytes) });
    const back = new Uint8Array(await (await fetch(new URL('/files/at%20limit.bin', url))).arrayBuffer());
    expect(sha256(back)).toBe(sha256(bytes));
    const tooLarge = await post('past limit.bin', randomBytes(MAX_UPLOAD + 1));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: 'FILE_TOO_LARGE' });
    const corrupt = await post('corrupt.bin', randomBytes(1000), { 'X-Netchat-Sha256': sha256(bytes) });
    expect(corrupt.status).toBe(422);
    expect(await corrupt.json()).toMatchObject({ error: 'UPLOAD_CORRUPT' });
    const again = await post('at limit.bin', bytes);
    expect(await again.json()).toMatchObject({ name: 'at limit (1).bin' });
    const crossSite = await post('cross.bin', bytes.subarray(0, 10), { Origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(readdirSync(shared).sort()).toEqual(['at limit (1).bin', 'at limit.bin', 'big.bin', 'hello.txt']);
  });

  it('answers 431 to a request head over --web-max-header-bytes', async () => {
    const under = await fetch(url, { headers: { 'X-Padding': 'p'.repeat(3000) } });
    expect(under.status).toBe(200);
    const over = await fetch(url, { headers: { 'X-Padding': 'p'.repeat(4200) } });
    expect(over.status).toBe(431);
  });

});
