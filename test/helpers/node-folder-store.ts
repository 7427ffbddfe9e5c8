// A FolderStore over node:fs for the shared-files tests, until the runtime's file store is wired in.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { EntryKind, FileInfo, FileWriter, FolderStore } from '../../src/core/files/folder-store.ts';

function kindOf(stats: fs.Stats): EntryKind {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
}

function info(stats: fs.Stats): FileInfo {
  return { size: stats.size, mtimeMs: stats.mtimeMs, kind: kindOf(stats), ino: stats.ino };
}

async function writer(handle: fsp.FileHandle, file: string): Promise<FileWriter> {
  let closed = false;
  return {
    async write(chunk) {
      await handle.write(chunk);
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
    async abort() {
      if (!closed) {
        closed = true;
        await handle.close().catch(() => {});
      }
      await fsp.rm(file, { force: true });
    },
  };
}

export const nodeFolderStore: FolderStore = {
  join: (dir, name) => path.join(dir, name),
  basename: (file) => path.basename(file),
  makeDirectory: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  async *list(dir) {
    for await (const entry of await fsp.opendir(dir)) {
      const stats = await fsp.lstat(path.join(dir, entry.name)).catch(() => undefined);
      if (stats) yield { name: entry.name, ...info(stats) };
    }
  },
  lstat: (file) => fsp.lstat(file).then(info, () => undefined),
  stat: (file) => fsp.stat(file).then(info, () => undefined),
  realPath: (file) => fsp.realpath(file),
  async *readRange(file, start, end, options) {
    const handle = await fsp.open(file, fs.constants.O_RDONLY | (options?.noFollow ? fs.constants.O_NOFOLLOW : 0));
    try {
      let at = start;
      while (at < end) {
        const buffer = new Uint8Array(Math.min(options?.chunkBytes ?? 256 * 1024, end - at));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) return;
        at += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  },
  createExclusive: async (file) =>
    writer(await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644), file),
  openAppend: async (file) => writer(await fsp.open(file, 'a'), file),
  async renameNoReplace(from, to) {
    await fsp.link(from, to);
    await fsp.unlink(from);
  },
  remove: (file) => fsp.rm(file, { force: true }),
  freeBytes: async (dir) => {
    const stats = await fsp.statfs(dir);
    return stats.bavail * stats.bsize;
  },
  sha256() {
    const hash = createHash('sha256');
    return { update: (bytes) => void hash.update(bytes), digestHex: () => hash.digest('hex') };
  },
};
