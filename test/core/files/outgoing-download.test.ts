// A download's read buffers are used again: never while the connection still holds their bytes.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareDownload, streamDownload, type ByteSink } from '../../../src/core/files/outgoing-download.ts';
import { SharedFolder } from '../../../src/core/files/shared-folder.ts';
import { getRuntime, type FileStore } from '../../../src/runtime/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-download-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A sink that, like a socket, keeps references to what it was given and copies the bytes out
 * only when it drains — after `holdWrites` writes; the writes before return true with bytes
 * still pending — so a buffer reused too early shows as wrong bytes.
 */
class HoldingSink implements ByteSink {
  readonly received: Uint8Array[] = [];
  private held: Uint8Array[] = [];
  private wake: ((open: boolean) => void) | undefined;
  closed = false;

  constructor(private readonly holdWrites: number) {}

  get pendingBytes(): number {
    return this.held.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  write(bytes: Uint8Array): boolean {
    this.held.push(bytes);
    if (this.held.length < this.holdWrites) return true;
    // Drains on a later turn, as a socket does.
    setImmediate(() => {
      for (const chunk of this.held) this.received.push(Buffer.from(chunk));
      this.held = [];
      this.wake?.(true);
    });
    return false;
  }

  drained(): Promise<boolean> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** What is still held at the end (the last writes, which returned true). */
  all(): Buffer {
    return Buffer.concat([...this.received, ...this.held.map((chunk) => Buffer.from(chunk))]);
  }
}

/**
 * A sink that takes every write at once, as a socket with room in its buffer does, while it may
 * count more and more other bytes as pending between writes (chat lines held back on a chat
 * connection until the download ends).
 */
class CopyingSink implements ByteSink {
  readonly received: Uint8Array[] = [];
  closed = false;
  pendingBytes = 0;

  constructor(private readonly otherBytesPerWrite = 0) {}

  write(bytes: Uint8Array): boolean {
    this.received.push(Buffer.from(bytes));
    if (this.otherBytesPerWrite > 0) setImmediate(() => (this.pendingBytes += this.otherBytesPerWrite));
    return true;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

async function sharedFile(bytes: Uint8Array, countSpares?: { given: number }): Promise<SharedFolder> {
  const shared = path.join(dir, 'shared');
  await fs.mkdir(shared);
  await fs.writeFile(path.join(shared, 'data.bin'), bytes);
  const files = getRuntime().files;
  const store: FileStore = {
    ...files,
    read: (file, range = {}) =>
      files.read(file, {
        ...range,
        spare: () => {
          const buffer = range.spare?.();
          if (buffer && countSpares) countSpares.given++;
          return buffer;
        },
      }),
  };
  const folder = new SharedFolder(store, shared, new FakeClock(), () => 'ab', () => getRuntime().sha256());
  await folder.open();
  return folder;
}

describe('streamDownload', () => {
  it.each([0, 120])('reads into the same buffers again when every write goes straight through (%i more other bytes pending each time)', async (otherBytes) => {
    const bytes = randomBytes(10 * 1000);
    const spares = { given: 0 };
    const folder = await sharedFile(bytes, spares);
    const prepared = await prepareDownload(folder, 'data.bin');
    if ('code' in prepared) throw new Error(prepared.message);
    const sink = new CopyingSink(otherBytes);
    expect(await streamDownload(folder, prepared, sink, { chunkBytes: 1000 })).toBe('sent');
    expect(Buffer.concat(sink.received).equals(bytes)).toBe(true);
    // Ten chunks: the first two are new buffers (one read ahead), the other eight reused ones.
    expect(spares.given).toBe(8);
  });

  it.each([1, 2, 3, 7])('sends every byte exactly when the connection holds %i writes before it drains', async (holdWrites) => {
    const bytes = randomBytes(10 * 1000 + 17);
    const folder = await sharedFile(bytes);
    const prepared = await prepareDownload(folder, 'data.bin');
    if ('code' in prepared) throw new Error(prepared.message);
    expect(prepared.header.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const sink = new HoldingSink(holdWrites);
    expect(await streamDownload(folder, prepared, sink, { chunkBytes: 1000 })).toBe('sent');
    expect(sink.all().equals(bytes)).toBe(true);
  });
});
