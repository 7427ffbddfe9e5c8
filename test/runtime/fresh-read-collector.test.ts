// Node's sockets read into fresh memory; netchat's connections count those reads and collect
// the young generation every few MiB, so a long upload does not pile up freed reads
// (src/runtime/fresh-read-collector.ts). Connections reading into their own buffer are not
// counted: made so (`readBufferBytes`), or accepted and switched by `reuseReadBuffer`
// (src/runtime/node-socket-read-buffer.ts), which a TLS connection declines.
import { describe, expect, it, onTestFinished } from 'vitest';
import { COLLECT_EVERY_BYTES, freshReadStats } from '../../src/runtime/fresh-read-collector.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import type { TcpConnection } from '../../src/runtime/types.ts';

/** Resolves once `bytes` more have arrived on `connection`. */
function received(connection: TcpConnection, bytes: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Uint8Array) => {
      seen += chunk.byteLength;
      if (seen < bytes) return;
      connection.off('data', onData);
      resolve();
    };
    connection.on('data', onData);
  });
}

async function pair(readBufferBytes?: number, options: { tls?: boolean } = {}) {
  const runtime = getRuntime();
  let accept!: (connection: TcpConnection) => void;
  const accepted = new Promise<TcpConnection>((resolve) => (accept = resolve));
  const issued = options.tls ? runtime.createCertificate() : undefined;
  const tls = issued && { cert: issued.certificatePem, key: issued.privateKeyPem };
  const server = await runtime.listenTcp({ host: '127.0.0.1', port: 0, ...(tls && { tls }) }, accept);
  const client = await runtime.connectTcp({
    host: '127.0.0.1',
    port: server.address.port,
    ...(readBufferBytes && { readBufferBytes }),
    ...(tls && { tls: { rejectUnauthorized: false } }),
  });
  const peer = await accepted;
  onTestFinished(async () => {
    client.destroy();
    peer.destroy();
    await server.close();
  });
  return { client, peer };
}

describe('fresh-read collector (Node)', () => {
  it('counts what an accepted connection reads and collects the young generation every few MiB', async () => {
    const { client, peer } = await pair();
    const before = freshReadStats();
    const bytes = 3 * COLLECT_EVERY_BYTES;
    const arrived = received(peer, bytes);
    client.write(new Uint8Array(bytes).fill(7));
    await arrived;
    const after = freshReadStats();
    expect(after.bytes - before.bytes).toBe(bytes);
    expect(after.collections - before.collections).toBeGreaterThanOrEqual(2);
  });

  it('does not count a connection that reads into its own buffer', async () => {
    const { client, peer } = await pair(64 * 1024);
    const before = freshReadStats();
    const bytes = 2 * 1024 * 1024;
    const arrived = received(client, bytes);
    peer.write(new Uint8Array(bytes).fill(9));
    await arrived;
    expect(freshReadStats().bytes - before.bytes).toBe(0);
  });

  it('does not count an accepted connection switched to its own buffer, whose reads are then views of it', async () => {
    const { client, peer } = await pair();
    const buffers = new Set<ArrayBufferLike>();
    peer.on('data', (chunk) => buffers.add(chunk.buffer));
    expect(peer.reuseReadBuffer(64 * 1024)).toBe(true);
    const before = freshReadStats();
    const bytes = 2 * COLLECT_EVERY_BYTES;
    const arrived = received(peer, bytes);
    client.write(new Uint8Array(bytes).fill(7));
    await arrived;
    expect(freshReadStats().bytes - before.bytes).toBe(0);
    expect(buffers.size).toBe(1);
  });

  it('leaves a TLS connection reading into fresh memory', async () => {
    const { peer } = await pair(undefined, { tls: true });
    expect(peer.reuseReadBuffer(64 * 1024)).toBe(false);
  });
});
