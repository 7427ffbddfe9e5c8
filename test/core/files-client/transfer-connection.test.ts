// TransferConnection.readBytes against a scripted server on 127.0.0.1: exact byte counts across
// any split, the line after the bytes, a slow consumer, an early end and a quiet connection.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransferConnection, TransferError } from '../../../src/core/files-client/transfer-connection.ts';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A server that runs `script` on its one connection; resolves with the client's TransferConnection. */
async function scripted(script: (socket: net.Socket) => void, clock = systemClock, idleTimeoutMs = 5000): Promise<TransferConnection> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    script(socket);
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as net.AddressInfo;
  return TransferConnection.open(getRuntime(), { host: '127.0.0.1', port, connectTimeoutMs: 5000, idleTimeoutMs }, clock);
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

describe('TransferConnection.readBytes', () => {
  it.each([1, 3, 64, 999, 1000, 4096])('reads exactly the bytes after a header, written in pieces of %i, and the line after them', async (piece) => {
    const connection = await scripted((socket) => {
      const all = Buffer.concat([Buffer.from('HEADER 1000\n'), bytes, Buffer.from('AFTER\n')]);
      for (let at = 0; at < all.length; at += piece) socket.write(all.subarray(at, at + piece));
    });
    expect(await connection.readLine()).toBe('HEADER 1000');
    const got: Buffer[] = [];
    await connection.readBytes(1000, (chunk) => void got.push(Buffer.from(chunk)));
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    expect(await connection.readLine()).toBe('AFTER');
    connection.destroy();
  });

  it('waits for a slow consumer before handing it more, in order', async () => {
    const connection = await scripted((socket) => socket.end(bytes));
    const got: Buffer[] = [];
    let busy = false;
    await connection.readBytes(1000, async (chunk) => {
      expect(busy).toBe(false);
      busy = true;
      got.push(Buffer.from(chunk));
      await new Promise((settled) => setImmediate(settled));
      busy = false;
    });
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
    connection.destroy();
  });

  it('reads zero bytes at once', async () => {
    const connection = await scripted((socket) => socket.write('LINE\n'));
    await connection.readBytes(0, () => {
      throw new Error('no chunk expected');
    });
    expect(await connection.readLine()).toBe('LINE');
    connection.destroy();
  });

  it('says SERVER_CLOSED when the connection ends one byte short', async () => {
    const connection = await scripted((socket) => socket.end(bytes.subarray(0, 999)));
    const failure = await connection.readBytes(1000, () => {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure).toMatchObject({ code: 'SERVER_CLOSED', message: expect.stringContaining('1 bytes before the end') });
    connection.destroy();
  });

  it('passes on what the consumer throws', async () => {
    const connection = await scripted((socket) => socket.write(bytes));
    await expect(connection.readBytes(1000, () => Promise.reject(new Error('disk on fire')))).rejects.toThrow('disk on fire');
    connection.destroy();
  });

  it('says TIMEOUT when nothing comes for the idle timeout, not before', async () => {
    const clock = new FakeClock();
    let server: net.Socket | undefined;
    const connection = await scripted((socket) => (server = socket), clock, 1000);
    let failure: unknown;
    const reading = connection.readBytes(10, () => {}).catch((error: unknown) => (failure = error));
    await clock.untilTimer();
    clock.advance(999);
    await new Promise((settled) => setImmediate(settled));
    expect(failure).toBeUndefined();
    clock.advance(1);
    await reading;
    expect(failure).toMatchObject({ code: 'TIMEOUT' });
    server?.destroy();
    connection.destroy();
  });
});
