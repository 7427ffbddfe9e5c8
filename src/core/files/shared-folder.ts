// The folder `netchat serve` shares: an index of its files for listing, the one way a requested
// name becomes a path (so nothing outside the folder is ever reached), the SHA-256 of each file
// computed once, and the atomic, never-clobbering step that makes an upload visible.
//
// The index is rebuilt by a background scan at most every RESCAN_AFTER_MS, and only when someone
// lists: listing answers from the index at once, so a folder of 100,000 files never makes a user
// wait for a directory read. Files stored through netchat enter the index immediately.
import type { FileListing } from '../../protocol/files/file-lines.ts';
import { checkFileName, isListedName, numberedName } from '../../protocol/files/file-names.ts';
import type { FileStat, FileStore, Sha256 } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import { errorCode } from './file-errors.ts';
import { FolderIndex } from './folder-index.ts';

/** Partial uploads are hidden files with this prefix and suffix, never listed or served. */
export const PARTIAL_PREFIX = '.netchat-upload-';
export const PARTIAL_SUFFIX = '.part';

const RESCAN_AFTER_MS = 5_000;
/** Scanning works this long at most before it rests for a turn of the event loop. */
const SCAN_SLICE_MS = 8;
/** Names tried after the wanted one is taken: `name (1)` … `name (999)`. */
const MAX_NUMBERED_NAMES = 999;
/** Hashes remembered; past this the oldest is forgotten (and recomputed when asked again). */
const MAX_CACHED_HASHES = 100_000;

/** A file that may be served, as found when the name was resolved. */
export interface SharedFile {
  name: string;
  /** What to open: the file itself, or for a link the real path it leads to inside the folder. */
  path: string;
  size: number;
  mtimeMs: number;
  /** The file's identity when resolved: a file put in its place is another file. */
  fileId: string;
}

export type ResolveProblem = 'FILE_NAME_INVALID' | 'NO_SUCH_FILE';

interface CachedHash {
  size: number;
  mtimeMs: number;
  fileId: string;
  sha256: Promise<string>;
}

export class SharedFolder {
  private readonly index: FolderIndex;
  private scanning: Promise<void> | undefined;
  private scannedAt = Number.NEGATIVE_INFINITY;
  private realRoot = '';
  private opened = false;
  private readonly hashes = new Map<string, CachedHash>();

  constructor(
    readonly store: FileStore,
    readonly root: string,
    private readonly clock: Clock,
    private readonly randomHex: (bytes: number) => string,
    /** A fresh incremental SHA-256, for bytes that arrive in pieces. */
    readonly newHash: () => Sha256,
  ) {
    this.index = new FolderIndex(() => this.rest());
  }

  /** Create the folder if missing, remove partial uploads a previous run left, index it. */
  async open(): Promise<number> {
    await this.store.makeDirectory(this.root, { recursive: true });
    this.realRoot = await this.store.realpath(this.root);
    await this.rescan(true);
    this.opened = true;
    return this.index.size;
  }

  get fileCount(): number {
    return this.index.size;
  }

  /** Start a background rescan when the index is old; never waits for it. */
  refreshSoon(): void {
    if (!this.scanning && this.clock.now() - this.scannedAt >= RESCAN_AFTER_MS) void this.rescan(false);
  }

  /** One page of the listing: names that sort after `after`, at most `limit` of them. */
  page(after: string | undefined, limit: number): { entries: FileListing[]; total: number; continueAfter?: string } {
    return this.index.page(after, limit);
  }

  /** The file a client asked for by name, or why it cannot have it. */
  async resolve(name: string): Promise<SharedFile | ResolveProblem> {
    if (checkFileName(name)) return 'FILE_NAME_INVALID';
    const path = this.store.join(this.root, name);
    const info = await this.store.lstat(path).catch(() => undefined);
    if (info?.kind === 'file') return { name, path, size: info.size, mtimeMs: info.mtimeMs, fileId: info.fileId };
    if (info?.kind === 'symlink') {
      const target = await this.followInside(path);
      if (target) return { name, path: target.path, size: target.info.size, mtimeMs: target.info.mtimeMs, fileId: target.info.fileId };
    }
    this.forget(name);
    return 'NO_SUCH_FILE';
  }

  /** The SHA-256 of `file`, read once and remembered while it stays the same file, of the same size and modification time. */
  sha256(file: SharedFile): Promise<string> {
    const cached = this.hashes.get(file.name);
    if (cached && sameVersion(cached, file)) return cached.sha256;
    const sha256 = this.hashFile(file);
    this.remember(file.name, { size: file.size, mtimeMs: file.mtimeMs, fileId: file.fileId, sha256 });
    sha256.catch(() => this.hashes.delete(file.name));
    return sha256;
  }

  /** Whether `file` still is what it was when resolved (else it changed while being sent). */
  async unchanged(file: SharedFile): Promise<boolean> {
    const now = await this.store.stat(file.path).catch(() => undefined);
    return now !== undefined && sameVersion(now, file);
  }

  /** A fresh hidden path for an upload in progress. */
  partialPath(): string {
    return this.store.join(this.root, `${PARTIAL_PREFIX}${this.randomHex(12)}${PARTIAL_SUFFIX}`);
  }

  freeBytes(): Promise<number> {
    return this.store.freeBytes(this.root);
  }

  /**
   * Move a checked upload from `partial` to `wanted`, or to `wanted (1)`, `wanted (2)` … when the
   * name is taken: never replaces a file. Returns the name it got.
   */
  async publish(partial: string, wanted: string, sha256: string): Promise<string> {
    for (let n = 0; n <= MAX_NUMBERED_NAMES; n++) {
      const name = n === 0 ? wanted : numberedName(wanted, n);
      try {
        await this.store.renameNoReplace(partial, this.store.join(this.root, name));
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue;
        throw error;
      }
      const info = await this.store.lstat(this.store.join(this.root, name)).catch(() => undefined);
      if (info) this.record(name, info, sha256);
      return name;
    }
    throw Object.assign(new Error(`no free name for ${wanted} after ${MAX_NUMBERED_NAMES} tries`), { code: 'EEXIST' });
  }

  private record(name: string, info: FileStat, sha256: string): void {
    this.index.set({ name, size: info.size, mtimeMs: info.mtimeMs });
    this.remember(name, { size: info.size, mtimeMs: info.mtimeMs, fileId: info.fileId, sha256: Promise.resolve(sha256) });
  }

  private forget(name: string): void {
    this.index.delete(name);
    this.hashes.delete(name);
  }

  private remember(name: string, hash: CachedHash): void {
    this.hashes.delete(name);
    this.hashes.set(name, hash);
    if (this.hashes.size > MAX_CACHED_HASHES) this.hashes.delete(this.hashes.keys().next().value!);
  }

  private async hashFile(file: SharedFile): Promise<string> {
    // FILE_CHANGED when it changes while being read: the caller reports an I/O failure.
    const { sha256, stat } = await this.store.sha256(file.path);
    if (!sameVersion(stat, file)) {
      throw Object.assign(new Error(`${file.name} changed while it was hashed`), { code: 'FILE_CHANGED' });
    }
    return sha256;
  }

  /** A link's target when it is a regular file inside the folder, reached through listed names only. */
  private async followInside(path: string): Promise<{ path: string; info: FileStat } | undefined> {
    let real: string;
    try {
      real = await this.store.realpath(path);
    } catch {
      return undefined;
    }
    const rest = real.slice(this.realRoot.length);
    if (!real.startsWith(this.realRoot) || !/^[/\\]/.test(rest)) return undefined;
    if (!rest.slice(1).split(/[/\\]/).every(isListedName)) return undefined;
    const info = await this.store.stat(real).catch(() => undefined);
    return info?.kind === 'file' ? { path: real, info } : undefined;
  }

  private rescan(removePartials: boolean): Promise<void> {
    this.scanning ??= this.scan(removePartials).finally(() => {
      this.scanning = undefined;
      this.scannedAt = this.clock.now();
    });
    return this.scanning;
  }

  private async scan(removePartials: boolean): Promise<void> {
    this.index.startRescan();
    let restedAt = this.clock.now();
    for await (const entry of this.store.list(this.root)) {
      // Long scans leave room for chat: a rest every few milliseconds of work.
      if (this.clock.now() - restedAt >= SCAN_SLICE_MS) {
        await this.rest();
        restedAt = this.clock.now();
      }
      if (entry.name.startsWith(PARTIAL_PREFIX) && entry.name.endsWith(PARTIAL_SUFFIX)) {
        // Only at start-up: later, a partial file may be an upload in progress.
        if (removePartials) await this.store.remove(this.store.join(this.root, entry.name)).catch(() => {});
        continue;
      }
      if (!isListedName(entry.name)) continue;
      if (entry.kind === 'file') this.index.found({ name: entry.name, size: entry.size, mtimeMs: entry.mtimeMs });
      else if (entry.kind === 'symlink') {
        const target = await this.followInside(this.store.join(this.root, entry.name));
        if (target) this.index.found({ name: entry.name, size: target.info.size, mtimeMs: target.info.mtimeMs });
      }
    }
    await this.index.finish();
  }

  /**
   * A turn of the event loop for everyone else (a zero-delay timer runs after pending I/O); none
   * during the first scan, which runs before anyone can connect.
   */
  private rest(): Promise<void> {
    if (!this.opened) return Promise.resolve();
    return new Promise((resolve) => this.clock.setTimeout(resolve, 0));
  }
}

type Version = Pick<FileStat, 'size' | 'mtimeMs' | 'fileId'>;

/** Whether two looks at a file saw the same bytes, as far as the file system tells. */
function sameVersion(a: Version, b: Version): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.fileId === b.fileId;
}
