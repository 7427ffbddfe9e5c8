// What the shared-files core needs from the file system, typed structurally: the runtime's file
// store provides it, and tests may hand in any object of this shape. Paths are plain strings
// built only with `join`, so core never needs `node:path`.

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

export interface FolderEntry {
  name: string;
  size: number;
  mtimeMs: number;
  kind: EntryKind;
}

export interface FileInfo {
  size: number;
  mtimeMs: number;
  kind: EntryKind;
  /** Identity of the file: a rename or a replacement changes it. */
  ino: number;
}

export interface FileWriter {
  /** Resolves when the chunk is accepted; awaiting it is the backpressure. */
  write(chunk: Uint8Array): Promise<void>;
  /** Flush and close; the file stays. */
  close(): Promise<void>;
  /** Close and remove the file. */
  abort(): Promise<void>;
}

export interface Sha256 {
  update(bytes: Uint8Array): void;
  digestHex(): string;
}

export interface FolderStore {
  join(dir: string, name: string): string;
  /** The last component of a path. */
  basename(path: string): string;
  makeDirectory(path: string): Promise<void>;
  /** The folder's entries, streamed, link entries as links (not followed). */
  list(dir: string): AsyncIterable<FolderEntry>;
  /** Info on the path itself (a link is a link); undefined when nothing is there. */
  lstat(path: string): Promise<FileInfo | undefined>;
  /** Info on what the path leads to; undefined when nothing is there. */
  stat(path: string): Promise<FileInfo | undefined>;
  realPath(path: string): Promise<string>;
  /** Bytes [start, end) in chunks of at most `chunkBytes`; with `noFollow`, opening a link fails (ELOOP). */
  readRange(path: string, start: number, end: number, options?: { noFollow?: boolean; chunkBytes?: number }): AsyncIterable<Uint8Array>;
  /** A new file; fails with EEXIST when the path is taken, never follows a link. */
  createExclusive(path: string): Promise<FileWriter>;
  /** Append to a file, creating it if missing. */
  openAppend(path: string): Promise<FileWriter>;
  /** Rename, failing with EEXIST instead of replacing an existing target. */
  renameNoReplace(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Bytes free for an unprivileged writer on the file system holding `path`. */
  freeBytes(path: string): Promise<number>;
  sha256(): Sha256;
}

/** The errno-style code of a file-system error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
