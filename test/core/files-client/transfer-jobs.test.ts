// The client's transfer jobs against a real server on 127.0.0.1 with real files: tickets from
// a real chat client, resumed downloads, what happens when a file is already there, uploads
// declared and streamed, and refusals as TransferErrors.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectChat, type ChatClient } from '../../../src/core/chat-client/chat-client.ts';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import { openFileService } from '../../../src/core/files/file-service.ts';
import type { FilesLimits } from '../../../src/core/files/files-limits.ts';
import { downloadFile, type DownloadDeps, type TransferTarget } from '../../../src/core/files-client/download-job.ts';
import { TransferError } from '../../../src/core/files-client/transfer-connection.ts';
import { uploadFile } from '../../../src/core/files-client/upload-job.ts';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { getRuntime, type FileStore, type Runtime, type TcpConnection } from '../../../src/runtime/index.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const runtime = getRuntime();
const deps: DownloadDeps = { runtime, store: runtime.files, clock: systemClock };

let dir: string;
let shared: string;
let downloads: string;
let server: ChatServer | undefined;
let client: ChatClient | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-jobs-'));
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

async function start(limits: Partial<FilesLimits> = {}): Promise<TransferTarget> {
  const { service } = await openFileService({
    store: runtime.files,
    newHash: () => runtime.sha256(),
    clock: systemClock,
    directory: shared,
    limits: { minFreeDiskBytes: 0, ...limits },
    maxSendQueueBytes: 1024 * 1024,
  });
  server = await startChatServer(runtime, { host: '127.0.0.1', port: 0, files: service, closeGraceMs: 300 });
  const port = server.address.port;
  client = await connectChat(runtime, { host: '127.0.0.1', port });
  const joined = await client.join('alice');
  expect(joined.ok).toBe(true);
  return { host: '127.0.0.1', port, connectTimeoutMs: 5000, idleTimeoutMs: 5000, ticket: () => client!.requestTicket() };
}

/** A runtime whose connections are cut once they have received `cutAfter` bytes. */
function cuttingRuntime(cutAfter: number): Pick<Runtime, 'connectTcp' | 'sha256'> {
  return {
    sha256: () => runtime.sha256(),
    async connectTcp(options) {
      const connection: TcpConnection = await runtime.connectTcp(options);
      let received = 0;
      connection.on('data', (chunk) => {
        received += chunk.length;
        if (received >= cutAfter) connection.destroy();
      });
      return connection;
    },
  };
}

describe('downloadFile', () => {
  it('resumes an interrupted download from its partial file and checks the whole file', async () => {
    const target = await start();
    const content = randomBytes(3 * 1024 * 1024);
    await fs.writeFile(path.join(shared, 'big.bin'), content);
    await expect(downloadFile({ ...deps, runtime: cuttingRuntime(1024 * 1024) }, target, { name: 'big.bin', directory: downloads })).rejects.toBeInstanceOf(
      TransferError,
    );
    const partial = (await fs.readdir(downloads)).filter((name) => name.endsWith('.part'));
    expect(partial).toHaveLength(1);
    const kept = (await fs.stat(path.join(downloads, partial[0]!))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(content.length);
    const progress: number[] = [];
    const result = await downloadFile(deps, target, { name: 'big.bin', directory: downloads, onProgress: (done) => progress.push(done) });
    expect(result).toMatchObject({ status: 'saved', savedAs: 'big.bin', size: content.length, sha256: sha(content), resumedFrom: kept });
    expect(progress[0]).toBe(kept);
    expect(sha(await fs.readFile(path.join(downloads, 'big.bin')))).toBe(sha(content));
    expect(await fs.readdir(downloads)).toEqual(['big.bin']);
  }, 30_000);

  it('starts over when the file on the server changed since the partial download', async () => {
    const target = await start();
    await fs.writeFile(path.join(shared, 'f.bin'), randomBytes(2 * 1024 * 1024));
    await expect(downloadFile({ ...deps, runtime: cuttingRuntime(512 * 1024) }, target, { name: 'f.bin', directory: downloads })).rejects.toThrow();
    const second = randomBytes(2 * 1024 * 1024);
    await fs.writeFile(path.join(shared, 'f.bin'), second);
    const result = await downloadFile(deps, target, { name: 'f.bin', directory: downloads });
    expect(result).toMatchObject({ status: 'saved', resumedFrom: 0, sha256: sha(second) });
    expect(await fs.readdir(downloads)).toEqual(['f.bin']);
  }, 30_000);

  it('starts over when the partial download is longer than the file now is', async () => {
    const target = await start();
    await fs.writeFile(path.join(shared, 'f.bin'), randomBytes(2 * 1024 * 1024));
    await expect(downloadFile({ ...deps, runtime: cuttingRuntime(1024 * 1024) }, target, { name: 'f.bin', directory: downloads })).rejects.toThrow();
    const shorter = randomBytes(1000);
    await fs.writeFile(path.join(shared, 'f.bin'), shorter);
    // The server answers the partial file's offset with BAD_OFFSET, not with a header.
    const result = await downloadFile(deps, target, { name: 'f.bin', directory: downloads });
    expect(result).toMatchObject({ status: 'saved', resumedFrom: 0, sha256: sha(shorter) });
    expect(await fs.readdir(downloads)).toEqual(['f.bin']);
  }, 30_000);

  it('says in words when the download folder cannot be made', async () => {
    const target = await start();
    await fs.writeFile(path.join(shared, 'f.bin'), 'abc');
    await fs.writeFile(downloads, 'a file where the folder should be');
    await expect(downloadFile(deps, target, { name: 'f.bin', directory: downloads })).rejects.toMatchObject({
      code: 'DOWNLOAD_FOLDER',
      message: expect.stringMatching(/cannot save into .*: a file stands in the way/),
    });
  });

  it('refuses a name no shared file may have before asking the server: nothing is written outside the folder', async () => {
    const target = await start();
    for (const name of ['../../escaped.txt', '/etc/passwd', 'a\\b', '.hidden']) {
      await expect(downloadFile(deps, target, { name, directory: downloads })).rejects.toMatchObject({ code: 'FILE_NAME_INVALID' });
    }
    expect(await fs.readdir(dir)).toEqual(['shared']);
  });

  it('never replaces a different local file, and recognises an identical one', async () => {
    const target = await start();
    await fs.writeFile(path.join(shared, 'report.csv'), 'a,b\n1,2\n');
    await fs.mkdir(downloads);
    await fs.writeFile(path.join(downloads, 'report.csv'), 'mine');
    const renamed = await downloadFile(deps, target, { name: 'report.csv', directory: downloads });
    expect(renamed).toMatchObject({ status: 'saved', savedAs: 'report (1).csv' });
    expect(await fs.readFile(path.join(downloads, 'report.csv'), 'utf8')).toBe('mine');
    const again = await downloadFile(deps, target, { name: 'report.csv', directory: downloads });
    expect(again).toMatchObject({ status: 'identical', savedAs: 'report (1).csv' });
    expect((await fs.readdir(downloads)).sort()).toEqual(['report (1).csv', 'report.csv']);
  });

  it('reports the server refusing as a TransferError with its code', async () => {
    const target = await start();
    await expect(downloadFile(deps, target, { name: 'missing.txt', directory: downloads })).rejects.toMatchObject({ code: 'NO_SUCH_FILE' });
    await expect(downloadFile(deps, target, { name: '../x', directory: downloads })).rejects.toMatchObject({ code: 'FILE_NAME_INVALID' });
  });
});

describe('round trips', () => {
  // Around the chunk sizes on both sides (64 KiB reads on the client, 256 KiB on the server).
  const sizes = [0, 1, 65_535, 65_536, 65_537, 262_144, 262_145, 1_000_003];
  it.each(sizes)('a file of %i bytes of every byte value, under a Unicode name, goes up and comes back whole', async (size) => {
    const target = await start();
    const content = Buffer.alloc(size);
    for (let i = 0; i < size; i++) content[i] = (i * 7 + (i >> 8)) & 0xff;
    const name = `résumé ☃ ${size}.bin`;
    const local = path.join(dir, 'source.bin');
    await fs.writeFile(local, content);
    const up = await uploadFile(deps, target, { source: { kind: 'file', path: local }, name });
    expect(up).toEqual({ storedAs: name, size, sha256: sha(content) });
    const down = await downloadFile(deps, target, { name, directory: downloads });
    expect(down).toMatchObject({ status: 'saved', savedAs: name, size, sha256: sha(content) });
    expect(Buffer.compare(await fs.readFile(path.join(downloads, name)), content)).toBe(0);
  });
});

describe('uploadFile', () => {
  it('uploads a file declared and a stream raw, byte for byte', async () => {
    const target = await start();
    const file = path.join(dir, 'local.bin');
    const content = randomBytes(1024 * 1024 + 1);
    await fs.writeFile(file, content);
    expect(await uploadFile(deps, target, { source: { kind: 'file', path: file }, name: 'local.bin' })).toEqual({
      storedAs: 'local.bin',
      size: content.length,
      sha256: sha(content),
    });
    async function* chunks() {
      yield content.subarray(0, 100);
      yield content.subarray(100);
    }
    const streamed = await uploadFile(deps, { ...target, ticket: undefined }, { source: { kind: 'stream', chunks: chunks() }, name: 'local.bin' });
    expect(streamed).toEqual({ storedAs: 'local (1).bin', size: content.length, sha256: sha(content) });
    expect(sha(await fs.readFile(path.join(shared, 'local (1).bin')))).toBe(sha(content));
  });

  it('stops at the server refusal, before sending the bytes', async () => {
    const target = await start({ maxUploadBytes: 1000 });
    const file = path.join(dir, 'big.bin');
    await fs.writeFile(file, randomBytes(1001));
    await expect(uploadFile(deps, target, { source: { kind: 'file', path: file }, name: 'big.bin' })).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
    });
    await expect(uploadFile(deps, target, { source: { kind: 'file', path: path.join(dir, 'none') }, name: 'x' })).rejects.toMatchObject({
      code: 'NO_SUCH_FILE',
    });
    expect(await fs.readdir(shared)).toEqual([]);
  });

  it('reads the file once: the hash follows the bytes', async () => {
    const target = await start();
    const file = path.join(dir, 'once.bin');
    const content = randomBytes(700_000);
    await fs.writeFile(file, content);
    const calls: string[] = [];
    const store = new Proxy(runtime.files, {
      get(real, key: keyof FileStore) {
        const value = real[key];
        if (key !== 'read' && key !== 'sha256' && key !== 'openRead') return typeof value === 'function' ? value.bind(real) : value;
        return (...args: unknown[]) => (calls.push(key), (value as (...a: unknown[]) => unknown).apply(real, args));
      },
    });
    expect(await uploadFile({ ...deps, store }, target, { source: { kind: 'file', path: file }, name: 'once.bin' })).toEqual({
      storedAs: 'once.bin',
      size: content.length,
      sha256: sha(content),
    });
    expect(calls).toEqual(['read']);
    expect(sha(await fs.readFile(path.join(shared, 'once.bin')))).toBe(sha(content));
  });

  it('declares the hash first to a server from before trailers, which refuses UPLOAD <size> TRAILER', async () => {
    const seen: string[] = [];
    const old = net.createServer((socket) => {
      socket.write('[Server] Welcome to netchat. Register with: JOIN <name>\n');
      let buffered = Buffer.alloc(0);
      let upload: { size: number; name: string } | undefined;
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (!upload) {
          const lf = buffered.indexOf(0x0a);
          if (lf === -1) return;
          const line = buffered.subarray(0, lf).toString();
          buffered = buffered.subarray(lf + 1);
          seen.push(line.replace(/[0-9a-f]{64}/, '<sha>'));
          const match = /^UPLOAD (\d+) ([0-9a-f]{64}) (.+)$/.exec(line);
          if (!match) return void socket.end('ERROR MISSING_ARGUMENT usage: UPLOAD <size> <sha256> <name>\n');
          upload = { size: Number(match[1]), name: match[3]! };
          socket.write('UPLOAD_READY\n');
        }
        if (buffered.length >= upload.size) socket.end(`FILE_STORED ${upload.size} ${sha(buffered.subarray(0, upload.size))} ${upload.name}\n`);
      });
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    try {
      const file = path.join(dir, 'old.bin');
      const content = randomBytes(300_000);
      await fs.writeFile(file, content);
      const port = (old.address() as net.AddressInfo).port;
      const target = { host: '127.0.0.1', port, connectTimeoutMs: 5000, idleTimeoutMs: 5000 };
      expect(await uploadFile(deps, target, { source: { kind: 'file', path: file }, name: 'old.bin' })).toEqual({
        storedAs: 'old.bin',
        size: content.length,
        sha256: sha(content),
      });
      expect(seen).toEqual(['UPLOAD 300000 TRAILER old.bin', 'UPLOAD 300000 <sha> old.bin']);
    } finally {
      old.close();
    }
  });
});
