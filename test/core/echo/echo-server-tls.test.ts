// The echo server inside TLS: the same timestamped replies, a handshake in progress holding a
// --max-clients place (at the limit and one past), and TLS refused over UDP.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServerEvent, type EchoServerOptions } from '../../../src/core/echo/echo-server.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { createCertificate } from '../../../src/runtime/self-signed-certificate.ts';
import type { TcpConnection } from '../../../src/runtime/types.ts';

const issued = createCertificate();
const tls = { cert: issued.certificatePem, key: issued.privateKeyPem };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Partial<EchoServerOptions> = {}) {
  const events: EchoServerEvent[] = [];
  const waiters = new Set<() => void>();
  const server = await startEchoServer(getRuntime(), {
    host: '127.0.0.1',
    port: 0,
    tls,
    onEvent: (event) => {
      events.push(event);
      for (const waiter of [...waiters]) waiter();
    },
    ...options,
  });
  cleanups.push(() => server.close());
  const waitFor = (type: EchoServerEvent['type'], count = 1) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (events.filter((event) => event.type === type).length < count) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { server, events, waitFor };
}

/** A TCP connection that sends nothing: a handshake begun by the server, never by the peer. */
function openSilent(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve({ socket, closed }));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => {});
    socket.once('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

async function connectTls(port: number): Promise<TcpConnection> {
  const connection = await getRuntime().connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } });
  cleanups.push(() => connection.destroy());
  return connection;
}

const firstReply = (connection: TcpConnection) => new Promise<string>((resolve) => connection.on('data', (bytes) => resolve(new TextDecoder().decode(bytes))));

describe('echo server over TLS', () => {
  it('answers inside TLS with the timestamped echo', async () => {
    const { server } = await start();
    expect(server.encrypted).toBe(true);
    const connection = await connectTls(server.address.port);
    expect(connection.encrypted).toBe(true);
    expect(connection.peerCertificateFingerprint256).toBe(issued.fingerprint256);
    const reply = firstReply(connection);
    connection.write('hello');
    expect(await reply).toMatch(/^\d+\.\d{6}:hello$/);
  });

  it('counts a handshake in progress against --max-clients: at the limit admitted, one past refused, a place freed when one fails', async () => {
    const { server, events, waitFor } = await start({ limits: { maxClients: 2 } });
    const port = server.address.port;
    const atLimit = [await openSilent(port), await openSilent(port)];
    const pastLimit = await openSilent(port);
    await pastLimit.closed;
    await waitFor('reject');
    expect(events.filter((event) => event.type === 'reject')).toHaveLength(1);
    expect(atLimit.every(({ socket }) => !socket.destroyed)).toBe(true);

    // Plain bytes end its handshake at once (TLS_PEER_NOT_TLS), which frees its place.
    atLimit[0]!.socket.write('plain');
    await waitFor('tls-failed');
    expect(events.find((event) => event.type === 'tls-failed')).toMatchObject({ code: 'TLS_PEER_NOT_TLS' });
    const connection = await connectTls(port);
    await waitFor('connect');
    expect(server.clients).toBe(1);
    const reply = firstReply(connection);
    connection.write('in');
    expect(await reply).toMatch(/:in$/);
    expect(events.filter((event) => event.type === 'reject')).toHaveLength(1);
  });

  it('refuses TLS over UDP', async () => {
    await expect(startEchoServer(getRuntime(), { host: '127.0.0.1', port: 0, transport: 'udp', tls })).rejects.toThrow(/TCP only/);
  });
});
