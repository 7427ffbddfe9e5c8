// DOWNLOAD_UDP through the chat server on real sockets: join's UDP download job against a
// server with strict flood control (the feedback lines must not count as chat), resume from a
// partial file, refusals, and the chat connection staying free during a transfer it controls.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectChat, type ChatClient } from '../../../src/core/chat-client/chat-client.ts';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import { downloadFile, type TransferTarget } from '../../../src/core/files-client/download-job.ts';
import { downloadFileUdp } from '../../../src/core/files-client/udp-download-job.ts';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { DEFAULT_UDP_TRANSFER_LIMITS } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { getRuntime, type Runtime, type TcpConnection } from '../../../src/runtime/index.ts';
import { BytePeer } from '../../helpers/byte-peer.ts';
import { openRealFileService } from '../../helpers/real-file-service.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const runtime = getRuntime();
const deps = { runtime, store: runtime.files, clock: systemClock, limits: DEFAULT_UDP_TRANSFER_LIMITS };

let dir: string;
let shared: string;
let downloads: string;
let server: ChatServer | undefined;
let client: ChatClient | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-udp-dl-'));
  shared = path.join(dir, 'shared');
  downloads = path.join(dir, 'alice');
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A server whose flood control lets a client send one line a second after two at once. */
async function start(): Promise<TransferTarget & { port: number }> {
  const service = await openRealFileService(shared, { udp: { bindUdp: runtime.bindUdp } });
  server = await startChatServer(runtime, {
    host: '127.0.0.1',
    port: 0,
    files: service,
    closeGraceMs: 300,
    limits: { floodBurst: 2, floodLinesPerSecond: 1 },
  });
  const port = server.address.port;
  client = await connectChat(runtime, { host: '127.0.0.1', port });
  expect((await client.join('alice')).ok).toBe(true);
  return { host: '127.0.0.1', port, connectTimeoutMs: 5000, idleTimeoutMs: 10_000, ticket: () => client!.requestTicket() };
}

describe('DOWNLOAD_UDP', () => {
  it('arrives byte-exact through strict flood control: the feedback lines are not chat', async () => {
    const target = await start();
    const content = randomBytes(4 * 1024 * 1024 + 11);
    await fs.mkdir(shared, { recursive: true });
    await fs.writeFile(path.join(shared, 'big file.bin'), content);
    const result = await downloadFileUdp(deps, target, { name: 'big file.bin', directory: downloads });
    expect(result).toMatchObject({ status: 'saved', savedAs: 'big file.bin', size: content.length, sha256: sha(content) });
    expect(sha(await fs.readFile(path.join(downloads, 'big file.bin')))).toBe(sha(content));
    expect((await fs.readdir(downloads)).filter((name) => name.endsWith('.part'))).toEqual([]);
  }, 60_000);

  it('resumes a download that TCP left partial, and handles empty files', async () => {
    const target = await start();
    const content = randomBytes(2 * 1024 * 1024);
    await fs.writeFile(path.join(shared, 'f.bin'), content);
    await fs.writeFile(path.join(shared, 'empty'), '');
    const cutting: Pick<Runtime, 'connectTcp' | 'sha256'> = {
      sha256: () => runtime.sha256(),
      async connectTcp(options) {
        const connection: TcpConnection = await runtime.connectTcp(options);
        let received = 0;
        connection.on('data', (chunk) => {
          received += chunk.length;
          if (received >= 512 * 1024) connection.destroy();
        });
        return connection;
      },
    };
    await expect(downloadFile({ ...deps, runtime: cutting }, target, { name: 'f.bin', directory: downloads })).rejects.toThrow();
    const result = await downloadFileUdp(deps, target, { name: 'f.bin', directory: downloads });
    expect(result).toMatchObject({ status: 'saved', sha256: sha(content) });
    expect((result as { resumedFrom: number }).resumedFrom).toBeGreaterThan(0);
    expect(await downloadFileUdp(deps, target, { name: 'empty', directory: downloads })).toMatchObject({ status: 'saved', size: 0 });
  }, 60_000);

  it('refuses a missing file with the server error, and a request without a port', async () => {
    const target = await start();
    await expect(downloadFileUdp(deps, target, { name: 'missing.bin', directory: downloads })).rejects.toMatchObject({ code: 'NO_SUCH_FILE' });
    const nc = await BytePeer.connect(target.port);
    try {
      nc.send('JOIN bob\nDOWNLOAD_UDP missing.bin\n');
      expect(await nc.lineMatching(/^ERROR/)).toMatch(/^ERROR MISSING_ARGUMENT /);
    } finally {
      nc.destroy();
    }
  });

  it('sizes its window by the buffer the kernel granted, read after asking for more; a one-datagram window still completes', async () => {
    const target = await start();
    const content = randomBytes(1024 * 1024 + 5);
    await fs.mkdir(shared, { recursive: true });
    await fs.writeFile(path.join(shared, 'small window.bin'), content);
    const calls: string[] = [];
    const tinyBuffer: Runtime['bindUdp'] = async (options) => {
      const socket = await runtime.bindUdp(options);
      const askFor = socket.setReceiveBufferSize.bind(socket);
      socket.setReceiveBufferSize = (bytes) => {
        calls.push(`set ${bytes}`);
        askFor(bytes);
      };
      // A buffer that holds one datagram: the receiver must open its window one chunk at a time.
      socket.receiveBufferBytes = () => {
        calls.push('granted');
        return 1;
      };
      return socket;
    };
    const result = await downloadFileUdp({ ...deps, runtime: { ...runtime, bindUdp: tinyBuffer } }, target, { name: 'small window.bin', directory: downloads });
    expect(result).toMatchObject({ status: 'saved', size: content.length, sha256: sha(content) });
    expect(calls).toEqual([`set ${DEFAULT_UDP_TRANSFER_LIMITS.receiveBufferBytes}`, 'granted']);
  }, 60_000);
});
