// The file store over node:fs/promises and node:path (alike on Node, Bun and Deno).
import fs, { type Stats } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { NodeFileReader, statOf } from './node-file-reader.ts';
import { NodeFileWriter } from './node-file-writer.ts';
import { systemError, withErrnoCode } from './runtime-errors.ts';
import type { DirectoryEntry, FileStore, ReadRange } from './types.ts';

/** Entries lstat-ed at once while listing: enough to keep the thread pool busy, little memory. */
const LIST_BATCH = 64;
/** An lstat slower than this means the disk is not answering from memory: list asynchronously. */
const SLOW_STAT_MS = 1;
const SLOW_CALLS = 3;

const codeOf = (error: unknown) => (error as { code?: string } | null)?.code;

/** link(2) failed for want of hard links here, not because of the paths. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

interface DenoGlobal {
  readDir(path: string): AsyncIterable<{ name: string }>;
}

/**
 * A directory's names as they are read. Deno's node:fs opendir reads the whole directory
 * synchronously when opened (0.3–0.5 s of blocked event loop at 100,000 files), so on Deno
 * Deno.readDir, which reads off the event loop, gives the names instead.
 */
async function* directoryNames(directory: string): AsyncGenerator<string> {
  const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (deno) {
    try {
      for await (const entry of deno.readDir(directory)) yield entry.name;
    } catch (error) {
      throw withErrnoCode(error);
    }
    return;
  }
  const dir = await fsp.opendir(directory, { bufferSize: LIST_BATCH });
  try {
    for (let entry = await dir.read(); entry; entry = await dir.read()) yield entry.name;
  } finally {
    await dir.close().catch(() => {});
  }
}

/**
 * lstat for a batch of names: synchronously while the disk answers at once (the inodes are in
 * memory, a few microseconds each) — the thread pool costs far more per call than the call itself
 * (about three times the CPU for 100,000 entries) — then asynchronously for the rest of the
 * listing once calls turn slow (a cold disk, a network file system), so the event loop
 * never waits on a disk. Undefined for an entry removed meanwhile.
 */
class EntryStats {
  private synchronous = true;
  private slowCalls = 0;

  constructor(private readonly directory: string) {}

  async of(names: readonly string[]): Promise<Array<Stats | undefined>> {
    if (!this.synchronous) return Promise.all(names.map((name) => fsp.lstat(path.join(this.directory, name)).catch(missing)));
    const stats: Array<Stats | undefined> = [];
    for (const name of names) {
      if (!this.synchronous) {
        stats.push(await fsp.lstat(path.join(this.directory, name)).catch(missing));
        continue;
      }
      const started = performance.now();
      try {
        stats.push(fs.lstatSync(path.join(this.directory, name)));
      } catch (error) {
        stats.push(missing(error));
      }
      // A few slow calls, not one: on a busy machine a fast call may be preempted.
      if (performance.now() - started > SLOW_STAT_MS && ++this.slowCalls >= SLOW_CALLS) this.synchronous = false;
    }
    // A turn of the event loop between batches, so that a long listing never holds it.
    await new Promise((resolve) => setImmediate(resolve));
    return stats;
  }
}

function missing(error: unknown): undefined {
  if (codeOf(error) === 'ENOENT') return undefined; // removed while we listed
  throw error;
}

async function* list(directory: string): AsyncGenerator<DirectoryEntry> {
  const names: string[] = [];
  const entryStats = new EntryStats(directory);
  const flush = async function* () {
    const stats = await entryStats.of(names);
    for (const [index, name] of names.entries()) {
      const stat = stats[index];
      if (stat) yield { name, ...statOf(stat) };
    }
    names.length = 0;
  };
  for await (const name of directoryNames(directory)) {
    names.push(name);
    if (names.length === LIST_BATCH) yield* flush();
  }
  yield* flush();
}

async function* read(file: string, range?: ReadRange): AsyncGenerator<Uint8Array> {
  const reader = await NodeFileReader.open(file);
  try {
    yield* reader.chunks(range);
  } finally {
    await reader.close();
  }
}

async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    // A hard link fails with EEXIST when `to` exists, atomically; then the old name goes.
    await fsp.link(from, to);
  } catch (error) {
    if (!NO_HARD_LINKS.has(codeOf(error) ?? '')) throw error;
    // A directory, or a file system without hard links: check, then rename (not atomic).
    const existing = await fsp.lstat(to).catch(() => undefined);
    if (existing) throw systemError('EEXIST', 'rename', to);
    await fsp.rename(from, to);
    return;
  }
  await fsp.unlink(from);
}

async function remove(target: string): Promise<void> {
  try {
    await fsp.unlink(target);
  } catch (error) {
    // unlink(2) refuses directories: EISDIR on Linux, EPERM on macOS.
    if (codeOf(error) !== 'EISDIR' && codeOf(error) !== 'EPERM') throw error;
    await fsp.rmdir(target);
  }
}

export const nodeFileStore: FileStore = {
  list,
  lstat: async (target) => statOf(await fsp.lstat(target)),
  stat: async (target) => statOf(await fsp.stat(target)),
  realpath: (target) => fsp.realpath(target),
  openRead: (file) => NodeFileReader.open(file),
  read,
  async sha256(file, range) {
    const reader = await NodeFileReader.open(file);
    try {
      return { sha256: await reader.sha256(range), stat: reader.stat };
    } finally {
      await reader.close();
    }
  },
  openWrite: (file, options) => NodeFileWriter.open(file, options),
  renameNoReplace,
  remove,
  async makeDirectory(directory, options = {}) {
    await fsp.mkdir(directory, { recursive: options.recursive ?? false });
  },
  async freeBytes(target) {
    const stats = await fsp.statfs(target);
    return Number(stats.bavail) * Number(stats.bsize);
  },
  join: (...parts) => path.join(...parts),
  resolve: (...parts) => path.resolve(...parts),
  relative: (from, to) => path.relative(from, to),
  dirname: (target) => path.dirname(target),
  basename: (target) => path.basename(target),
  isAbsolute: (target) => path.isAbsolute(target),
};
