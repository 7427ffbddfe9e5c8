// The file store: what a server sharing a folder and a client saving downloads need from the
// file system, and nothing more. Paths are plain strings handled by the store's own path
// helpers, so core never imports node:path. Re-exported by types.ts.
//
// Errors keep the system's errno `code` (ENOENT, EEXIST, ENOTDIR, EISDIR, ELOOP, ENOSPC,
// EACCES …); the store's own codes are in runtime-errors.ts (FILE_SHORT_READ, FILE_CHANGED,
// ERR_OUT_OF_RANGE, FILE_WRITER_CLOSED, FILE_NOT_REGULAR).

export type FileKind = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  kind: FileKind;
  /** Bytes (for a symlink from lstat: the length of its target path). */
  size: number;
  /** Last modification, milliseconds since the epoch (fractional where the file system has it). */
  mtimeMs: number;
  /** Permission bits (0o644 …). */
  permissions: number;
  /**
   * Which file this is (device and inode): another file renamed onto the same name, even one of
   * the same size and modification time, has another.
   */
  fileId: string;
}

export interface DirectoryEntry extends FileStat {
  /** The entry's name inside the listed directory (no separators). */
  name: string;
}

/** A byte range [start, end) of a file, read in chunks of `chunkBytes`. */
export interface ReadRange {
  /** Default 0. */
  start?: number;
  /** Exclusive; default the end of the file as it is while reading. */
  end?: number;
  /** Largest chunk yielded, 1 byte to 16 MiB (default 64 KiB). */
  chunkBytes?: number;
  /**
   * Asked before each read for a buffer of the consumer's that nobody references any more (one
   * of its earlier chunks); a buffer of at least the chunk's size is read into, and comes back as
   * the chunk. Undefined, or too small: a new buffer. Saves allocating one per chunk.
   */
  spare?: () => Uint8Array | undefined;
}

/** An open file, opened without following a symlink in its last path component. */
export interface FileReader {
  /** The opened file's stat, taken on the open descriptor (no race with a rename). */
  readonly stat: FileStat;
  /**
   * The range as chunks, read one at a time as the consumer pulls: a consumer that stops
   * pulling stops the reading. Each chunk is a new buffer the consumer may keep, or one it gave
   * back through `spare`. A file that
   * ends before an explicit `end` fails with FILE_SHORT_READ.
   */
  chunks(range?: ReadRange): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export interface WriteOptions {
  /**
   * `create`: a new file; EEXIST if anything (a symlink included) is at the path.
   * `append`: add to the end of an existing file, creating it if missing (resuming a download);
   * ELOOP if the path is a symlink.
   */
  mode: 'create' | 'append';
  /** Permission bits of a created file (default 0o644, less the process umask). */
  permissions?: number;
  /** `write` returns false once this many bytes wait for the disk (default 1 MiB). */
  highWaterMark?: number;
}

/**
 * A file being written. Backpressure is a boolean and a promise, as on a TcpConnection:
 * `write` queues and returns false once `pendingBytes` reaches the high-water mark; stop and
 * await `drained()`. A failed write (ENOSPC …) is kept: `drained()` and `close()` reject with
 * it, and later writes return false.
 */
export interface FileWriter {
  readonly path: string;
  /** The file's size when opened: where appended bytes begin (0 for a new file). */
  readonly startSize: number;
  /** Bytes written to the file so far (not counting `pendingBytes`). */
  readonly bytesWritten: number;
  /** Bytes accepted by `write` and not yet written. */
  readonly pendingBytes: number;
  /** Queue a copy-free reference to `chunk` (do not change it afterwards). */
  write(chunk: Uint8Array): boolean;
  /**
   * Resolves once at most `maxPendingBytes` (default 0: everything) are still queued, so a caller
   * can go on filling while the rest is written; rejects with the write error.
   */
  drained(maxPendingBytes?: number): Promise<void>;
  /** Write what is queued, optionally fsync, close. The file stays. */
  close(options?: { sync?: boolean }): Promise<void>;
  /** Drop what is queued, close, and remove the file. Safe after a failure and twice. */
  abort(): Promise<void>;
}

export interface FileStore {
  /**
   * A directory's entries, streamed (never the whole directory in memory), each with lstat's
   * kind, size and time; entries that vanish while listing are skipped. Order is the file
   * system's.
   */
  list(directory: string): AsyncIterable<DirectoryEntry>;
  /** The path itself: a symlink is reported as a symlink. */
  lstat(path: string): Promise<FileStat>;
  /** What the path leads to, symlinks followed. */
  stat(path: string): Promise<FileStat>;
  /** The absolute path with every symlink resolved (ENOENT if something on the way is missing). */
  realpath(path: string): Promise<string>;
  /** Open for reading; ELOOP if the last component is a symlink, EISDIR for a directory. */
  openRead(path: string): Promise<FileReader>;
  /** `openRead`, the range's chunks, close: for a consumer that wants just the bytes. */
  read(path: string, range?: ReadRange): AsyncIterable<Uint8Array>;
  /**
   * SHA-256 of a range (default the whole file) read through one reused buffer, with the stat
   * of the opened file; FILE_CHANGED if its size or time changed while hashing.
   */
  sha256(path: string, range?: Omit<ReadRange, 'chunkBytes'>): Promise<{ sha256: string; stat: FileStat }>;
  openWrite(path: string, options: WriteOptions): Promise<FileWriter>;
  /**
   * Move `from` to `to`, never replacing what is at `to` (EEXIST). Atomic for files where hard
   * links exist; elsewhere (directories, file systems without links) it checks then renames.
   */
  renameNoReplace(from: string, to: string): Promise<void>;
  /** Remove a file, a symlink (not its target) or an empty directory. */
  remove(path: string): Promise<void>;
  /** Create a directory; `recursive` also creates parents and accepts an existing directory. */
  makeDirectory(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Bytes an unprivileged process may still write on the file system holding `path`. */
  freeBytes(path: string): Promise<number>;

  // Path helpers with the host's rules, so core code never needs node:path.
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  /** Path of `to` relative to `from` ('' when equal; begins with '..' when outside `from`). */
  relative(from: string, to: string): string;
  dirname(path: string): string;
  basename(path: string): string;
  isAbsolute(path: string): boolean;
}
