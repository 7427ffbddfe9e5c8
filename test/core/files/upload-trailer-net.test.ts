// `UPLOAD <size> TRAILER <name>` on a real chat server on 127.0.0.1: the bytes, then a
// `SHA256 <hash>` line, checked before the file becomes visible. Every way it can go wrong — a
// wrong, missing or malformed trailer, a short upload, a cut connection — leaves nothing.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import { MAX_UPLOAD_TRAILER_BYTES } from '../../../src/protocol/files/file-lines.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { BytePeer } from '../../helpers/byte-peer.ts';
import { openRealFileService } from '../../helpers/real-file-service.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let shared: string;
let server: ChatServer | undefined;
const peers: BytePeer[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-upload-trailer-'));
  shared = path.join(dir, 'SharedFiles');
  await fs.mkdir(shared);
});

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.destroy();
  await server?.close();
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function start(): Promise<number> {
  const runtime = getRuntime();
  const service = await openRealFileService(shared);
  server = await startChatServer(runtime, { host: '127.0.0.1', port: 0, limits: { floodBurst: 0 }, files: service, closeGraceMs: 500 });
  return server.address.port;
}

/** A connection that announced `UPLOAD <size> TRAILER <name>` and got UPLOAD_READY. */
async function ready(port: number, size: number, name = 'up.bin'): Promise<BytePeer> {
  const sender = await BytePeer.connect(port);
  peers.push(sender);
  sender.send(`UPLOAD ${size} TRAILER ${name}\n`);
  expect(await sender.lineMatching(/^UPLOAD_READY|^ERROR/)).toBe('UPLOAD_READY');
  return sender;
}

const verdict = (sender: BytePeer) => sender.lineMatching(/^FILE_STORED|^ERROR/);
const visible = async () => (await fs.readdir(shared)).sort();

describe('UPLOAD <size> TRAILER <name>', () => {
  it.each([0, 1, 65_536, 65_537, 2 * 1024 * 1024 + 5])('stores %i bytes, checked against the trailer', async (size) => {
    const port = await start();
    const content = randomBytes(size);
    const sender = await ready(port, size);
    sender.send(Buffer.concat([content, Buffer.from(`SHA256 ${sha(content)}\n`)]));
    expect(await verdict(sender)).toBe(`FILE_STORED ${size} ${sha(content)} up.bin`);
    await sender.waitForClose();
    expect(await visible()).toEqual(['up.bin']);
    expect(sha(await fs.readFile(path.join(shared, 'up.bin')))).toBe(sha(content));
  });

  it('takes every byte value, the trailer in its own writes a byte at a time, with a CR, and ignores what follows it', async () => {
    const port = await start();
    const content = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const sender = await ready(port, content.length, 'every byte ✓.bin');
    sender.send(content.subarray(0, 300));
    sender.send(content.subarray(300));
    for (const byte of Buffer.from(`SHA256 ${sha(content).toUpperCase()}\r\nextra`)) sender.send(Buffer.of(byte));
    expect(await verdict(sender)).toBe(`FILE_STORED 512 ${sha(content)} every byte ✓.bin`);
    expect(await fs.readFile(path.join(shared, 'every byte ✓.bin'))).toEqual(content);
  });

  it('takes bytes and trailer sent before UPLOAD_READY, in the same write as the command', async () => {
    const port = await start();
    const content = randomBytes(10_000);
    const sender = await BytePeer.connect(port);
    peers.push(sender);
    sender.send(Buffer.concat([Buffer.from(`UPLOAD ${content.length} TRAILER early.bin\n`), content, Buffer.from(`SHA256 ${sha(content)}\n`)]));
    expect(await verdict(sender)).toBe(`FILE_STORED ${content.length} ${sha(content)} early.bin`);
  });

  it.each([
    ['a wrong hash', (c: Buffer) => `SHA256 ${sha(Buffer.concat([c, Buffer.of(0)]))}\n`, 'UPLOAD_CORRUPT'],
    ['a malformed trailer', (c: Buffer) => `SHA256 ${sha(c).slice(1)}\n`, 'UPLOAD_CORRUPT'],
    ['a trailer in lowercase', (c: Buffer) => `sha256 ${sha(c)}\n`, 'UPLOAD_CORRUPT'],
    ['no trailer before the half-close', () => '', 'UPLOAD_INCOMPLETE'],
    ['half a trailer before the half-close', (c: Buffer) => `SHA256 ${sha(c)}`, 'UPLOAD_INCOMPLETE'],
  ])('refuses %s and leaves nothing', async (_label, trailer, code) => {
    const port = await start();
    const content = randomBytes(100_000);
    const sender = await ready(port, content.length);
    sender.end(Buffer.concat([content, Buffer.from(trailer(content))]));
    expect(await verdict(sender)).toMatch(new RegExp(`^ERROR ${code} `));
    await sender.waitForClose();
    expect(await visible()).toEqual([]);
  });

  it(`answers a trailer of ${MAX_UPLOAD_TRAILER_BYTES} bytes without an LF at once; ${MAX_UPLOAD_TRAILER_BYTES - 1} bytes and an LF is read as a line`, async () => {
    const port = await start();
    const content = randomBytes(1000);
    let sender = await ready(port, content.length);
    // No half-close: the answer can only come from the length limit.
    sender.send(Buffer.concat([content, Buffer.alloc(MAX_UPLOAD_TRAILER_BYTES, 'A')]));
    expect(await verdict(sender)).toMatch(/^ERROR UPLOAD_CORRUPT /);
    sender = await ready(port, content.length);
    const padded = `SHA256 ${sha(content)}`.padEnd(MAX_UPLOAD_TRAILER_BYTES - 1, ' ');
    sender.send(Buffer.concat([content, Buffer.from(padded)]));
    sender.send('\n');
    expect(await verdict(sender)).toMatch(/^ERROR UPLOAD_CORRUPT .*SHA256 <64 hex digits>/);
    await sender.waitForClose();
    expect(await visible()).toEqual([]);
  });

  it('reports a short upload as incomplete', async () => {
    const port = await start();
    const content = randomBytes(1000);
    const sender = await ready(port, content.length);
    sender.end(content.subarray(0, 999));
    expect(await verdict(sender)).toMatch(/^ERROR UPLOAD_INCOMPLETE 999 of 1000 bytes/);
    expect(await visible()).toEqual([]);
  });

  // Megabytes: the server may hold up to a slab of what arrived before writing it (ChunkCopies),
  // and the cut must come once some of the file is on disk in its partial file.
  it.each([
    ['in the middle of the bytes', 2 * 1024 * 1024 + 7],
    ['after the bytes, before the trailer', 3 * 1024 * 1024 + 5],
  ])('keeps nothing of an upload whose connection is cut %s', async (_label, sent) => {
    const port = await start();
    const content = randomBytes(3 * 1024 * 1024 + 5);
    const sender = await ready(port, content.length);
    sender.send(content.subarray(0, sent));
    await expect.poll(async () => (await fs.stat(path.join(shared, (await fs.readdir(shared))[0]!))).size).toBeGreaterThan(0);
    sender.socket.resetAndDestroy();
    await expect.poll(visible).toEqual([]);
  });
});
