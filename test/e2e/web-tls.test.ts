// The web client over TLS, under every runtime: with `serve --tls-port` the --web port speaks
// https and wss with the chat port's certificate (trusted here through that certificate as the
// only authority, and its fingerprint compared with the one serve logs), a browser-style
// WebSocket meets a TLS `join` user, a shared file downloads byte-exact, plain http on that
// port gets nothing, and SIGHUP's reload reaches the web port too.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCertificate } from '../../src/runtime/self-signed-certificate.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const running: CliProcess[] = [];
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-e2e-web-tls-'));
  await fs.mkdir(path.join(dir, 'shared'));
});

afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await fs.rm(dir, { recursive: true, force: true });
});

interface Served {
  proc: CliProcess;
  tlsPort: number;
  webPort: number;
  fingerprint: string;
}

async function serve(...flags: string[]): Promise<Served> {
  const proc = spawnCli([
    'serve', '--host', '127.0.0.1', '--port', '0', '--web', '127.0.0.1:0',
    '--shared-dir', path.join(dir, 'shared'), '--state-dir', path.join(dir, 'state'), '--announce-rate', '1000',
    ...flags,
  ]);
  running.push(proc);
  const [, fingerprint] = await proc.waitForStderr(/TLS certificate (sha256:[0-9a-f]{64})\n/);
  const [, webPort] = await proc.waitForStderr(/web client on https:\/\/127\.0\.0\.1:(\d+)\//);
  const [, tlsPort] = await proc.waitForStderr(/TLS on (?:\S+):(\d+) /);
  return { proc, tlsPort: Number(tlsPort), webPort: Number(webPort), fingerprint: fingerprint! };
}

/** The server's own certificate as the only authority trusted: no global switch turned off. */
const trustOnly = (certificatePem: string) => ({ ca: certificatePem, servername: 'localhost' });

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  fingerprint: string;
}

function httpsGet(port: number, urlPath: string, certificatePem: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = https.get({ host: '127.0.0.1', port, path: urlPath, agent: false, ...trustOnly(certificatePem) }, (response) => {
      const fingerprint = `sha256:${(response.socket as TLSSocket).getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase()}`;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), fingerprint }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** A WebSocket chat user as a browser on the https page would be: wss, with the page's Origin. */
async function wssUser(port: number, certificatePem: string, origin: string): Promise<{ socket: WebSocket; lines: string[]; waitFor(match: RegExp): Promise<string> }> {
  const socket = new WebSocket(`wss://127.0.0.1:${port}/chat`, { headers: { origin }, ...trustOnly(certificatePem) });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data, binary) => {
    if (!binary) lines.push(String(data));
    for (const wake of [...waiters]) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
  const waitFor = (match: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => match.test(l));
        if (line !== undefined) {
          waiters.delete(check);
          resolve(line);
        } else if (socket.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          reject(new Error(`closed before a line matched ${match}: ${JSON.stringify(lines)}`));
        }
      };
      waiters.add(check);
      socket.once('close', check);
      check();
    });
  return { socket, lines, waitFor };
}

describe(`netchat serve --web with TLS [${CLI_RUNTIME}]`, () => {
  it('serves the page over https with the chat port certificate, and nothing over plain http', async () => {
    const server = await serve('--tls-port', '0');
    const certificatePem = await fs.readFile(path.join(dir, 'state', 'tls-certificate.pem'), 'utf8');
    const page = await httpsGet(server.webPort, '/', certificatePem);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString('utf8')).toContain('<html');
    expect(page.fingerprint).toBe(server.fingerprint);

    // A plain HTTP request on the https port gets no HTTP answer: the bytes are not a handshake.
    const plain = net.connect(server.webPort, '127.0.0.1');
    plain.on('error', () => {});
    plain.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    let answered = '';
    plain.on('data', (chunk: Buffer) => (answered += chunk.toString('latin1')));
    await new Promise((resolve) => plain.once('close', resolve));
    expect(answered).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('carries a wss chat line to a TLS join user, refuses an http:// origin, and downloads a file byte-exact over https', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await fs.writeFile(path.join(dir, 'shared', 'blob.bin'), content);
    const server = await serve('--tls-port', '0');
    const certificatePem = await fs.readFile(path.join(dir, 'state', 'tls-certificate.pem'), 'utf8');
    const joiner = spawnCli(['join', 'bob', `netchats://127.0.0.1:${server.tlsPort}`, '--fingerprint', server.fingerprint, '--state-dir', path.join(dir, 'client')]);
    running.push(joiner);
    await server.proc.waitForStderr(/bob/);

    // The page's own origin is https now: the http one of the same host and port is another site.
    await expect(wssUser(server.webPort, certificatePem, `http://127.0.0.1:${server.webPort}`)).rejects.toThrow(/HTTP 403/);

    const alice = await wssUser(server.webPort, certificatePem, `https://127.0.0.1:${server.webPort}`);
    try {
      await alice.waitFor(/^\[Server\] Welcome to netchat/);
      alice.socket.send('JOIN alice');
      await alice.waitFor(/^\[Server\] Welcome, alice!/);
      await joiner.waitForStdout(/alice/);
      alice.socket.send('BROADCAST hello over wss');
      await joiner.waitForStdout(/\[Broadcast\] alice: hello over wss/);
    } finally {
      alice.socket.close();
    }

    const download = await httpsGet(server.webPort, '/files/blob.bin', certificatePem);
    expect(download.status).toBe(200);
    expect(download.body.length).toBe(content.length);
    expect(sha256(download.body)).toBe(sha256(content));
    expect(download.headers['x-netchat-sha256']).toBe(sha256(content));
  });

  it('counts TLS connections against --web-max-per-ip (at the limit and one past) and drops a silent handshake after --web-headers-timeout', async () => {
    const server = await serve('--tls-port', '0', '--web-max-per-ip', '2', '--web-headers-timeout', '1');
    const connect = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(server.webPort, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      });
    const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    // Two silent connections: the limit, both admitted and waiting for a handshake.
    const held = [await connect(), await connect()];
    for (const socket of held) socket.on('error', () => {});
    const third = await connect();
    third.on('error', () => {});
    await server.proc.waitForStderr(/refused a web connection from 127\.0\.0\.1:\d+: TOO_MANY_CONNECTIONS/);
    await closed(third);
    expect(server.proc.stderr().match(/TOO_MANY_CONNECTIONS/g)).toHaveLength(1);
    // Neither ever starts its handshake: the head timeout closes them.
    await Promise.all(held.map(closed));
    const page = await httpsGet(server.webPort, '/', await fs.readFile(path.join(dir, 'state', 'tls-certificate.pem'), 'utf8'));
    expect(page.status).toBe(200);
  });

  it('SIGHUP reloads the web certificate with the chat one', async () => {
    const first = createCertificate({ altNames: ['localhost', '127.0.0.1'] });
    const second = createCertificate({ altNames: ['localhost', '127.0.0.1'] });
    const cert = path.join(dir, 'server.pem');
    const key = path.join(dir, 'server.key');
    await fs.writeFile(cert, first.certificatePem);
    await fs.writeFile(key, first.privateKeyPem);
    const server = await serve('--tls-port', '0', '--tls-cert', cert, '--tls-key', key);
    expect((await httpsGet(server.webPort, '/', first.certificatePem)).fingerprint).toBe(`sha256:${first.fingerprint256}`);
    await fs.writeFile(cert, second.certificatePem);
    await fs.writeFile(key, second.privateKeyPem);
    server.proc.child.kill('SIGHUP');
    await server.proc.waitForStderr(/web client certificate reloaded/);
    const after = await httpsGet(server.webPort, '/', second.certificatePem);
    expect(after.status).toBe(200);
    expect(after.fingerprint).toBe(`sha256:${second.fingerprint256}`);
    // The old certificate is no longer trusted by this client: the new one is all it can see.
    await expect(httpsGet(server.webPort, '/', first.certificatePem)).rejects.toThrow();
  });
});
