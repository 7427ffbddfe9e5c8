// TCP behaviour every Runtime keeps, real or fake: what the chat, echo and file code relies on.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Runtime, TcpConnection, TcpServer } from '../../../src/runtime/types.ts';
import { Recorder, echo, pattern, recordingServer, rejectionOf, sameBytes } from './contract-peers.ts';

const CHUNK = 64 * 1024;
/** Far beyond any loopback socket's buffers: a writer that never sees `false` here never will. */
const BACKPRESSURE_CAP_BYTES = 256 * 1024 * 1024;

export function closeAfterTest(server: TcpServer, ...connections: Array<{ connection: TcpConnection } | TcpConnection>): void {
  onTestFinished(async () => {
    for (const item of connections) ('connection' in item ? item.connection : item).destroy();
    await server.close();
  });
}

async function connectedPair(runtime: Runtime, options: { serverHalfOpen?: boolean; clientHalfOpen?: boolean; onAccept?: (r: Recorder) => void } = {}) {
  const { server, nextAccepted, accepted } = await recordingServer(runtime, { allowHalfOpen: options.serverHalfOpen }, options.onAccept);
  const client = new Recorder(await runtime.connectTcp({ host: '127.0.0.1', port: server.address.port, allowHalfOpen: options.clientHalfOpen }));
  const peer = await nextAccepted();
  onTestFinished(async () => {
    client.connection.destroy();
    for (const recorder of accepted) recorder.connection.destroy();
    await server.close();
  });
  return { server, client, peer };
}

export function describeTcpContract(makeRuntime: () => Runtime): void {
  describe('TCP', () => {
    it('connects, reports both addresses, and carries bytes both ways unchanged', async () => {
      const runtime = makeRuntime();
      const { server, client, peer } = await connectedPair(runtime, { onAccept: echo });
      expect(server.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
      expect(server.address.port).toBeGreaterThan(0);
      expect(server.encrypted).toBe(false);
      expect(client.connection.remote).toEqual({ address: '127.0.0.1', port: server.address.port, family: 'IPv4' });
      expect(peer.connection.remote.address).toBe('127.0.0.1');
      expect(peer.connection.remote.port).toBeGreaterThan(0);
      for (const connection of [client.connection, peer.connection]) {
        expect(connection).toMatchObject({ encrypted: false, peerCertificateFingerprint256: undefined, peerCertificateVerified: false, closed: false });
      }
      const payload = pattern(1000);
      client.connection.write('hé');
      client.connection.write(payload);
      await client.untilBytes(3 + payload.length);
      expect(new TextDecoder().decode(client.bytes().subarray(0, 3))).toBe('hé');
      expect(sameBytes(client.bytes().subarray(3), payload)).toBe(true);
    });

    it('keeps what arrives before the first data listener for it, with its own read buffer or without', async () => {
      const runtime = makeRuntime();
      const { server, accepted, nextAccepted } = await recordingServer(runtime, {}, (recorder) => recorder.connection.write('greeting\n'));
      const clients: TcpConnection[] = [];
      onTestFinished(async () => {
        for (const connection of [...clients, ...accepted.map((recorder) => recorder.connection)]) connection.destroy();
        await server.close();
      });
      const port = server.address.port;
      for (const readBufferBytes of [undefined, 4096]) {
        const connection = await runtime.connectTcp({ host: '127.0.0.1', port, ...(readBufferBytes && { readBufferBytes }) });
        clients.push(connection);
        await nextAccepted();
        // The listener comes late on purpose: after the greeting of a connection made later has
        // been read here, and another turn of the event loop.
        const later = new Recorder(await runtime.connectTcp({ host: '127.0.0.1', port }));
        clients.push(later.connection);
        await nextAccepted();
        await later.untilBytes('greeting\n'.length);
        await new Promise((resolve) => setImmediate(resolve));
        const client = new Recorder(connection);
        await client.untilBytes('greeting\n'.length);
        expect(client.text(), `readBufferBytes ${readBufferBytes}`).toBe('greeting\n');
      }
    });

    it('an accepted connection told to reuse a read buffer delivers every later byte whole and in order, pausing as before', async () => {
      const { client, peer } = await connectedPair(makeRuntime());
      const first = pattern(1000, 1);
      client.connection.write(first);
      await peer.untilBytes(first.length);
      const copies: Uint8Array[] = [];
      const buffers = new Set<ArrayBufferLike>();
      let largest = 0;
      peer.connection.on('data', (chunk) => {
        copies.push(new Uint8Array(chunk));
        buffers.add(chunk.buffer);
        largest = Math.max(largest, chunk.length);
      });
      const reused = peer.connection.reuseReadBuffer(16 * 1024);
      expect(peer.connection.reuseReadBuffer(16 * 1024)).toBe(reused);
      peer.connection.pause();
      const rest = pattern(1024 * 1024, 2);
      client.connection.end(rest);
      await new Promise((resolve) => setImmediate(resolve));
      peer.connection.resume();
      await peer.untilEnd();
      const received = new Uint8Array(copies.reduce((sum, chunk) => sum + chunk.length, 0));
      copies.reduce((at, chunk) => (received.set(chunk, at), at + chunk.length), 0);
      expect(sameBytes(received, rest)).toBe(true);
      // Reads into one buffer: every chunk a view of it, none larger.
      if (reused) expect([buffers.size, largest <= 16 * 1024]).toEqual([1, true]);
    });

    it('refuses a connection to a port nobody listens on with ECONNREFUSED', async () => {
      const runtime = makeRuntime();
      const server = await runtime.listenTcp({ host: '127.0.0.1', port: 0 }, () => {});
      const { port } = server.address;
      await server.close();
      expect((await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port }))).code).toBe('ECONNREFUSED');
    });

    it('half-closes: with allowHalfOpen the side that got the FIN can still answer, then both close once', async () => {
      const { client, peer } = await connectedPair(makeRuntime(), {
        serverHalfOpen: true,
        clientHalfOpen: true,
        onAccept: (recorder) => recorder.connection.on('end', () => recorder.connection.end(`reply:${recorder.text()}`)),
      });
      client.connection.write('ping');
      client.connection.end();
      await client.untilEnd();
      expect(client.text()).toBe('reply:ping');
      await Promise.all([client.untilClose(), peer.untilClose()]);
      expect([client.closes, peer.closes, client.hadError, peer.hadError]).toEqual([1, 1, false, false]);
      expect(peer.events).toEqual(['data', 'end', 'close']);
      expect(client.connection.closed).toBe(true);
    });

    it('without allowHalfOpen, the peer’s FIN ends our side too', async () => {
      const { client, peer } = await connectedPair(makeRuntime(), { clientHalfOpen: true });
      client.connection.end('bye');
      await Promise.all([client.untilEnd(), peer.untilClose(), client.untilClose()]);
      expect(peer.text()).toBe('bye');
      expect(peer.connection.write('late')).toBe(false);
      expect([client.closes, peer.closes]).toEqual([1, 1]);
    });

    it('end(data) sends what was written before it, then the data, then the FIN', async () => {
      const { client, peer } = await connectedPair(makeRuntime());
      client.connection.write('a');
      client.connection.write('b');
      client.connection.end('c');
      await peer.untilEnd();
      expect(peer.text()).toBe('abc');
      expect(client.connection.write('d')).toBe(false);
    });

    it('applies backpressure: a paused reader makes write return false with bytes pending, resume brings drain and every byte', async () => {
      const { client, peer } = await connectedPair(makeRuntime(), { onAccept: (recorder) => recorder.connection.pause() });
      const sent: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const chunk = pattern(CHUNK, sent.length);
        sent.push(chunk);
        total += chunk.length;
        if (!client.connection.write(chunk)) break;
        if (total > BACKPRESSURE_CAP_BYTES) throw new Error(`write never returned false in ${total} bytes`);
      }
      expect(client.connection.pendingWriteBytes).toBeGreaterThan(0);
      expect(peer.received).toBe(0);
      peer.connection.resume();
      await Promise.all([client.until(() => client.drains > 0, 'drain'), peer.untilBytes(total)]);
      expect(client.connection.pendingWriteBytes).toBe(0);
      expect(peer.received).toBe(total);
      let at = 0;
      const all = peer.bytes();
      for (const chunk of sent) {
        expect(sameBytes(all.subarray(at, at + chunk.length), chunk)).toBe(true);
        at += chunk.length;
      }
    });

    it('holds corked writes, counting them as pending, and sends them in order on uncork', async () => {
      const { client, peer } = await connectedPair(makeRuntime());
      client.connection.cork();
      client.connection.write('one ');
      client.connection.write('two');
      expect(client.connection.pendingWriteBytes).toBe(7);
      client.connection.uncork();
      await peer.untilText('one two');
    });

    it('destroy closes at once: close fires once on each side and writes are refused', async () => {
      const { client, peer } = await connectedPair(makeRuntime());
      client.connection.destroy();
      client.connection.destroy();
      expect(client.connection.closed).toBe(true);
      expect(client.connection.write('x')).toBe(false);
      await Promise.all([client.untilClose(), peer.untilClose()]);
      client.connection.end();
      peer.connection.destroy();
      // One more round trip on a fresh connection lets any stray event arrive before counting.
      await connectedPair(makeRuntime());
      expect([client.closes, peer.closes]).toEqual([1, 1]);
    });

    it('off removes exactly the listener given', async () => {
      const { client, peer } = await connectedPair(makeRuntime());
      const removed: Uint8Array[] = [];
      const listener = (chunk: Uint8Array) => removed.push(chunk);
      peer.connection.on('data', listener);
      peer.connection.off('data', listener);
      peer.connection.off('data', () => {}); // never added: a no-op
      client.connection.write('x');
      await peer.untilText('x');
      expect(removed).toEqual([]);
    });

    it('server close stops accepting at once and resolves when the open connections have closed', async () => {
      const runtime = makeRuntime();
      const { server, client, peer } = await connectedPair(runtime, { onAccept: echo });
      peer.connection.setKeepAlive(true, 1000);
      let closed = false;
      const closing = server.close().then(() => (closed = true));
      expect((await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port: server.address.port }))).code).toBe('ECONNREFUSED');
      client.connection.write('still here');
      await client.untilText('still here');
      expect(closed).toBe(false);
      client.connection.end();
      await Promise.all([closing, peer.untilClose()]);
      expect(peer.closes).toBe(1);
    });
  });
}
