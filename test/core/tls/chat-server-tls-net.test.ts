// The chat server with a TLS listener beside its plain one, on real sockets: one chat across
// both, the wrong port heard on both sides, and handshakes counted against the address limits.
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { LineClient } from '../../helpers/line-client.ts';

const runtime = getRuntime();
const first = runtime.createCertificate();
const second = runtime.createCertificate();
let server: ChatServer | undefined;
const sockets: net.Socket[] = [];
let events: ChatServerEvent[] = [];
let wake: Array<() => void> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

async function start(limits: Partial<ChatLimits> = {}, handshakeTimeoutMs = 10_000) {
  events = [];
  server = await startChatServer(runtime, {
    host: '127.0.0.1',
    port: 0,
    limits: { floodBurst: 0, ...limits },
    tls: { cert: first.certificatePem, key: first.privateKeyPem, port: 0, handshakeTimeoutMs },
    closeGraceMs: 300,
    onEvent: (event) => {
      events.push(event);
      for (const w of wake.splice(0)) w();
    },
  });
  const [plain, secure] = server.listening;
  expect([plain!.encrypted, secure!.encrypted]).toEqual([false, true]);
  return { plain: plain!.address.port, secure: secure!.address.port };
}

function untilEvent(condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not seen; events: ${JSON.stringify(events)}`)), 10_000);
    const check = () => (condition() ? (clearTimeout(timer), resolve()) : wake.push(check));
    check();
  });
}

/** A TLS client reading lines, as LineClient does in plain text. */
function tlsLines(port: number): Promise<{ socket: tls.TLSSocket; fingerprint: string; next: (pattern: RegExp) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    sockets.push(socket);
    let buffer = '';
    const waiters: Array<() => void> = [];
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (const w of waiters.splice(0)) w();
    });
    const next = (pattern: RegExp) =>
      new Promise<string>((done) => {
        const check = () => {
          const line = buffer.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) done(line);
          else waiters.push(check);
        };
        check();
      });
    socket.once('secureConnect', () => resolve({ socket, fingerprint: socket.getPeerCertificate().fingerprint256.replaceAll(':', '').toLowerCase(), next }));
    socket.once('error', reject);
  });
}

function silent(port: number): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve({ closed: new Promise((done) => socket.once('close', () => done())) }));
    sockets.push(socket);
    socket.on('error', reject);
  });
}

describe('chat server with a TLS port', () => {
  it('is one chat across the plain and the TLS port', async () => {
    const ports = await start();
    const alice = await tlsLines(ports.secure);
    alice.socket.write('JOIN alice\n');
    await alice.next(/^\[Server\] Welcome, alice!/);
    const bob = await LineClient.connect(ports.plain);
    sockets.push(bob.socket);
    bob.sendLine('JOIN bob');
    await bob.waitForLine(/^\[Server\] Welcome, bob!/);
    alice.socket.write('BROADCAST over TLS\n');
    await bob.waitForLine('[Broadcast] alice: over TLS');
    bob.sendLine('BROADCAST in plain text');
    await alice.next(/^\[Broadcast\] bob: in plain text$/);
  });

  it('tells a plain client on the TLS port TLS_REQUIRED, and closes a TLS client on the plain port', async () => {
    const ports = await start();
    const plain = await LineClient.connect(ports.secure);
    sockets.push(plain.socket);
    plain.sendLine('JOIN bob');
    await plain.waitForLine(/^ERROR TLS_REQUIRED this port speaks TLS/);
    await untilEvent(() => events.some((e) => e.type === 'tls-failed' && e.code === 'TLS_PEER_NOT_TLS'));
    await expect(tlsLines(ports.plain)).rejects.toThrow();
    await untilEvent(() => events.some((e) => e.type === 'tls-failed' && e.code === 'TLS_CLIENT_ON_PLAIN_PORT'));
  });

  it('counts a handshake against max-per-ip from its start: at the limit it waits, one past is closed, a timed-out one frees its place', async () => {
    const ports = await start({ maxConnectionsPerIp: 1, connectRatePerIp: 0 }, 300);
    const holder = await silent(ports.secure);
    const pastLimit = await silent(ports.secure);
    await pastLimit.closed;
    expect(events).toContainEqual(expect.objectContaining({ type: 'refuse', code: 'TOO_MANY_CONNECTIONS' }));
    await holder.closed;
    await untilEvent(() => events.some((e) => e.type === 'tls-failed' && e.code === 'TLS_HANDSHAKE_TIMEOUT'));
    const alice = await tlsLines(ports.secure);
    alice.socket.write('JOIN alice\n');
    await alice.next(/^\[Server\] Welcome, alice!/);
  });

  it('serves new connections with new credentials; open ones keep theirs', async () => {
    const ports = await start();
    const before = await tlsLines(ports.secure);
    server!.setTlsCredentials({ cert: second.certificatePem, key: second.privateKeyPem });
    const after = await tlsLines(ports.secure);
    expect([before.fingerprint, after.fingerprint]).toEqual([first.fingerprint256, second.fingerprint256]);
    before.socket.write('JOIN alice\n');
    await before.next(/^\[Server\] Welcome, alice!/);
  });
});
