// The transfer drivers' file interfaces over real files, for tests and the benchmark harness:
// a source read sequentially from an offset, a sink that appends to a hidden partial file and
// renames it into place on commit, and SHA-256 from node:crypto.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ByteSink, ByteSource, IncrementalHash } from '../../src/core/udp-transfer/transfer-io.ts';

export async function fileSource(filePath: string, offset = 0): Promise<ByteSource> {
  const handle = await open(filePath, 'r');
  let position = offset;
  return {
    async read(maxBytes) {
      const buffer = Buffer.allocUnsafe(maxBytes);
      let filled = 0;
      while (filled < maxBytes) {
        const { bytesRead } = await handle.read(buffer, filled, maxBytes - filled, position);
        if (bytesRead === 0) break;
        filled += bytesRead;
        position += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}

/** Where `finalPath`'s bytes wait until they are verified: `.name.part` beside it. */
export function partialPathOf(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.part`);
}

/** Appends to the partial file of `finalPath` (created, or resumed where it ends). */
export async function partialFileSink(finalPath: string): Promise<ByteSink & { readonly existingBytes: number }> {
  const partial = partialPathOf(finalPath);
  const handle = await open(partial, 'a');
  const existingBytes = (await handle.stat()).size;
  let closed = false;
  const closeOnce = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    existingBytes,
    async append(parts) {
      // One copy into one buffer is cheaper than a write vector of many small chunks.
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      for (let written = 0; written < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
    },
    async commit() {
      await closeOnce();
      await rename(partial, finalPath);
    },
    async discard() {
      await closeOnce();
      await rm(partial, { force: true });
    },
    close: closeOnce,
  };
}

export function sha256Hash(): IncrementalHash & { updateFrom(filePath: string, bytes: number): Promise<void> } {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digestHex: () => hash.digest('hex'),
    /** Feed the first `bytes` of a file (the part a resumed transfer already has). */
    async updateFrom(filePath, bytes) {
      if (bytes === 0) return;
      for await (const chunk of createReadStream(filePath, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
    },
  };
}

export async function sha256OfFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileSize(filePath: string): Promise<number> {
  return (await stat(filePath)).size;
}
