// Under Node, a plain TCP connection accepted by the server can be switched to reading into one
// buffer of its own (node-socket-read-buffer.ts): its reads are then views of that buffer, not
// fresh memory, and are no longer counted for collection. A TLS connection declines.
import { describe, expect, it, onTestFinished } from 'vitest';
import { freshReadStats } from '../../src/runtime/fresh-read-collector.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import type { TcpConnection } from '../../src/runtime/types.ts';

const nodeRuntime = getRuntime();

async function acceptedPair(tls?: { cert: string; key: string }) {
  let accepted: (connection: TcpConnection) => void;
  const serverSide = new Promise<TcpConnection>((resolve) => (accepted = resolve));
  const server = await nodeRuntime.listenTcp({ host: '127.0.0.1', port: 0, ...(tls && { tls }) }, (connection) => accepted(connection));
  const client = await nodeRuntime.connectTcp({ host: '127.0.0.1', port: server.address.port, ...(tls && { tls: { rejectUnauthorized: false } }) });
  const peer = await serverSide;
  onTestFinished(async () => {
    client.destroy();
    peer.destroy();
    await server.close();
  });
  return { client, peer };
}

describe('reusing a read buffer on an accepted Node socket', () => {
  it('reads into one buffer from then on, and counts none of it as fresh memory', async () => {
    const { client, peer } = await acceptedPair();
    const buffers = new Set<ArrayBufferLike>();
    let received = 0;
    peer.on('data', (chunk) => {
      buffers.add(chunk.buffer);
      received += chunk.length;
    });
    expect(peer.reuseReadBuffer(64 * 1024)).toBe(true);
    const counted = freshReadStats().bytes;
    const ended = new Promise<void>((resolve) => peer.on('end', () => resolve()));
    client.end(new Uint8Array(4 * 1024 * 1024).fill(7));
    await ended;
    expect(received).toBe(4 * 1024 * 1024);
    expect(buffers.size).toBe(1);
    expect(freshReadStats().bytes).toBe(counted);
  });

  it('declines under TLS: its reads stay fresh memory', async () => {
    const issued = nodeRuntime.createCertificate();
    const { peer } = await acceptedPair({ cert: issued.certificatePem, key: issued.privateKeyPem });
    expect(peer.reuseReadBuffer(64 * 1024)).toBe(false);
  });
});
