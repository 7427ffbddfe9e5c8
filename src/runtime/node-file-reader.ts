// Reading files through node:fs/promises: open without following a symlink, stat the open
// descriptor, read a range chunk by chunk as the consumer pulls.
import fs, { type Stats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { runtimeError, systemError, withErrnoCode } from './runtime-errors.ts';
import type { FileKind, FileReader, FileStat, ReadRange } from './types.ts';

export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Hashing reads through one buffer this big: large enough that the system-call cost vanishes. */
const HASH_BUFFER_BYTES = 256 * 1024;

/** O_NOFOLLOW where the OS has it (not on Windows); O_NONBLOCK so opening a FIFO cannot hang. */
export const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;
export const NON_BLOCKING = fs.constants.O_NONBLOCK ?? 0;

function kindOf(stats: Stats): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

export function statOf(stats: Stats): FileStat {
  return { kind: kindOf(stats), size: stats.size, mtimeMs: stats.mtimeMs, permissions: stats.mode & 0o7777, fileId: `${stats.dev}:${stats.ino}` };
}

/** Where the OS cannot refuse a symlink at open, look first (racy, but the best there is). */
export async function refuseSymlinkWithoutNoFollow(path: string, syscall: string): Promise<void> {
  if (NO_FOLLOW !== 0) return;
  const stats = await fsp.lstat(path).catch(() => undefined);
  if (stats?.isSymbolicLink()) throw systemError('ELOOP', syscall, path);
}

/** Close `handle` and throw unless it is a regular file (a directory is EISDIR, as a read would say). */
export async function requireRegularFile(handle: FileHandle, path: string, syscall: string): Promise<FileStat> {
  const stat = statOf(await handle.stat());
  if (stat.kind === 'file') return stat;
  await handle.close().catch(() => {});
  if (stat.kind === 'directory') throw systemError('EISDIR', syscall, path);
  throw runtimeError('FILE_NOT_REGULAR', `${path} is not a regular file`);
}

function checkedRange(range: ReadRange): { start: number; end: number | undefined; chunkBytes: number } {
  const { start = 0, end, chunkBytes = DEFAULT_CHUNK_BYTES } = range;
  const whole = (value: number) => Number.isSafeInteger(value) && value >= 0;
  if (!whole(start) || (end !== undefined && (!whole(end) || end < start))) {
    throw runtimeError('ERR_OUT_OF_RANGE', `byte range ${start}..${end ?? 'end'} is not a range`);
  }
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw runtimeError('ERR_OUT_OF_RANGE', `chunkBytes must be 1 to ${MAX_CHUNK_BYTES}, not ${chunkBytes}`);
  }
  return { start, end, chunkBytes };
}

const shortRead = (path: string, end: number, at: number) =>
  runtimeError('FILE_SHORT_READ', `${path} ended at byte ${at}, before byte ${end}`);

export class NodeFileReader implements FileReader {
  constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly stat: FileStat,
  ) {}

  static async open(path: string): Promise<NodeFileReader> {
    await refuseSymlinkWithoutNoFollow(path, 'open');
    const handle = await fsp.open(path, fs.constants.O_RDONLY | NO_FOLLOW | NON_BLOCKING);
    return new NodeFileReader(handle, path, await requireRegularFile(handle, path, 'open'));
  }

  async *chunks(range: ReadRange = {}): AsyncGenerator<Uint8Array> {
    const { start, end, chunkBytes } = checkedRange(range);
    for (let position = start; end === undefined || position < end; ) {
      const wanted = end === undefined ? chunkBytes : Math.min(chunkBytes, end - position);
      // A new buffer unless the consumer gave one back: it may keep a chunk (a socket write queues it).
      const spare = range.spare?.();
      const buffer = spare && spare.length >= wanted ? spare : Buffer.allocUnsafe(wanted);
      const bytesRead = await this.readAt(buffer, wanted, position);
      if (bytesRead === 0) {
        if (end !== undefined) throw shortRead(this.path, end, position);
        return;
      }
      position += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  }

  /** SHA-256 of a range through one reused buffer; FILE_CHANGED if the file changed meanwhile. */
  async sha256(range: Omit<ReadRange, 'chunkBytes'> = {}): Promise<string> {
    const { start, end } = checkedRange(range);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(HASH_BUFFER_BYTES);
    for (let position = start; end === undefined || position < end; ) {
      const wanted = end === undefined ? buffer.length : Math.min(buffer.length, end - position);
      const bytesRead = await this.readAt(buffer, wanted, position);
      if (bytesRead === 0) {
        if (end !== undefined) throw shortRead(this.path, end, position);
        break;
      }
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    const after = statOf(await this.handle.stat());
    if (after.size !== this.stat.size || after.mtimeMs !== this.stat.mtimeMs) {
      throw runtimeError('FILE_CHANGED', `${this.path} changed while it was hashed`);
    }
    return hash.digest('hex');
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private async readAt(buffer: Uint8Array, length: number, position: number): Promise<number> {
    try {
      return (await this.handle.read(buffer, 0, length, position)).bytesRead;
    } catch (error) {
      throw withErrnoCode(error);
    }
  }
}
