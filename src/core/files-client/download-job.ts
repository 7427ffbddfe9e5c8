// A download from a netchat server into a local folder, on its own connection beside the chat.
// Bytes go to a hidden partial file named after the file and the server's hash of it, so an
// interrupted download resumes where it stopped — and only against the same version of the file.
// The SHA-256 is checked before the file gets its real name, and an existing different file is
// never replaced: the download is then saved as `name (1).ext`, and the result says so.
import { fileClientLine, type FileHeader } from '../../protocol/files/file-lines.ts';
import { checkFileName, numberedName } from '../../protocol/files/file-names.ts';
import type { FileStore, FileWriter, Runtime, Sha256 } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import { ChunkCopies } from '../shared/chunk-copies.ts';
import { TransferConnection, TransferError } from './transfer-connection.ts';
import { expectGreeting, nextReply } from './transfer-replies.ts';

export interface TransferTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** A transfer that moves nothing for this long fails with TIMEOUT. */
  idleTimeoutMs: number;
  /** A fresh one-time ticket from the chat connection (TICKET). */
  ticket: () => Promise<string>;
  /** Once aborted, the transfer's connection closes: the job fails, a download keeping what it wrote. */
  signal?: AbortSignal;
}

export interface DownloadDeps {
  runtime: Pick<Runtime, 'connectTcp' | 'sha256'>;
  store: FileStore;
  clock: Clock;
}

export interface DownloadRequest {
  /** The file's name on the server. */
  name: string;
  /** The local folder to save into (created if missing). */
  directory: string;
  /** Told the bytes done so far (resumed bytes included) and the file's size, as they arrive. */
  onProgress?: (done: number, total: number) => void;
}

export type DownloadResult =
  | {
      status: 'saved';
      path: string;
      /** The local name; differs from the server's when a different file had that name. */
      savedAs: string;
      size: number;
      sha256: string;
      /** Bytes that were already there from an interrupted download. */
      resumedFrom: number;
    }
  /** A file with the same content was already there under that name: nothing was written. */
  | { status: 'identical'; path: string; savedAs: string; size: number; sha256: string };

const MAX_NUMBERED_NAMES = 999;
/** The transfer connection reads into one buffer this big, used again for every read. */
const READ_BUFFER_BYTES = 128 * 1024;

export async function downloadFile(deps: DownloadDeps, target: TransferTarget, request: DownloadRequest): Promise<DownloadResult> {
  const { store } = deps;
  refuseUnsavableName(request.name);
  await makeDownloadFolder(store, request.directory);
  const nameTag = hashHex(deps.runtime.sha256(), request.name).slice(0, 16);
  const partial = await findPartial(store, request.directory, nameTag);
  let attempt = await fetchInto(deps, target, request, nameTag, partial);
  // The partial file was of another version of the file: start over once, from zero.
  if (attempt === 'restart') attempt = await fetchInto(deps, target, request, nameTag, undefined);
  if (attempt === 'restart') throw new TransferError('BAD_REPLY', 'the server changed the file twice during the download');
  return place(store, request, attempt);
}

export interface Fetched {
  partialPath: string;
  header: FileHeader;
  resumedFrom: number;
}

async function fetchInto(
  deps: DownloadDeps,
  target: TransferTarget,
  request: DownloadRequest,
  nameTag: string,
  partial: { path: string; size: number; shaTag: string } | undefined,
): Promise<Fetched | 'restart'> {
  const { store } = deps;
  const offset = partial?.size ?? 0;
  const ticket = await target.ticket();
  const connection = await TransferConnection.open(deps.runtime, target, deps.clock, { readBufferBytes: READ_BUFFER_BYTES });
  try {
    await expectGreeting(connection);
    connection.writeLine(fileClientLine.transfer(ticket));
    connection.writeLine(fileClientLine.downloadTcp(request.name, offset));
    let header: FileHeader;
    try {
      header = await nextReply(connection, 'file-start');
    } catch (error) {
      // The partial file is longer than the file now is: of another version, start over.
      if (partial && error instanceof TransferError && error.code === 'BAD_OFFSET') return discardPartial(store, partial.path);
      throw error;
    }
    if (header.offset !== offset) throw new TransferError('BAD_REPLY', `asked for offset ${offset}, the server sent ${header.offset}`);
    if (partial && header.sha256.slice(0, 16) !== partial.shaTag) return discardPartial(store, partial.path);
    const partialPath = partial?.path ?? store.join(request.directory, `.netchat-download-${nameTag}-${header.sha256.slice(0, 16)}.part`);
    const hash = deps.runtime.sha256();
    // A resumed download's hash covers the bytes already on disk too.
    if (partial) for await (const chunk of store.read(partial.path, { start: 0, end: partial.size })) hash.update(chunk);
    const writer: FileWriter = await store.openWrite(partialPath, { mode: partial ? 'append' : 'create' });
    let done = offset;
    request.onProgress?.(done, header.size);
    const copies = new ChunkCopies(writer);
    try {
      await connection.readBytes(header.size - offset, (chunk) => {
        // The chunk is the connection's read buffer: the writer gets a copy (see ChunkCopies).
        const copy = copies.copy(chunk);
        hash.update(copy);
        done += copy.length;
        request.onProgress?.(done, header.size);
        // Waiting for the disk pauses the connection: a slow disk slows the sender, not our memory.
        return copies.room(READ_BUFFER_BYTES);
      });
      copies.finish();
      await writer.close();
    } catch (error) {
      // Keep what arrived: the next download of this file resumes from it.
      copies.finish();
      await writer.close().catch(() => {});
      throw error;
    }
    const sha256 = hash.digestHex();
    if (sha256 !== header.sha256) {
      await store.remove(partialPath).catch(() => {});
      const after = await connection.readLine().catch(() => undefined);
      const changed = after !== undefined && /^ERROR FILE_CHANGED/.test(after);
      throw new TransferError(
        'HASH_MISMATCH',
        changed
          ? `${request.name} changed on the server while it was sent; download it again`
          : `the SHA-256 of ${request.name} is ${sha256}, not ${header.sha256} as the server said; nothing was kept`,
      );
    }
    return { partialPath, header, resumedFrom: offset };
  } finally {
    connection.destroy();
  }
}

/**
 * A download is saved under the name asked for, so that name must be one a shared file may have:
 * whatever a server answers, nothing is ever written outside the download folder.
 */
export function refuseUnsavableName(name: string): void {
  if (checkFileName(name)) throw new TransferError('FILE_NAME_INVALID', `${JSON.stringify(name)} is not a name a shared file may have: nothing to save`);
}

/** The download folder, created when missing; one that cannot be is said in words, not as a bare errno. */
export async function makeDownloadFolder(store: FileStore, directory: string): Promise<void> {
  try {
    await store.makeDirectory(directory, { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'EIO';
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file stands in the way' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
    throw new TransferError('DOWNLOAD_FOLDER', `cannot save into ${directory}: ${why}`);
  }
}

/** A partial download of another version of the file: removed, so the download starts over. */
export async function discardPartial(store: FileStore, path: string): Promise<'restart'> {
  await store.remove(path).catch(() => {});
  return 'restart';
}

/** Give the checked partial file its name, never replacing a different file. */
export async function place(store: FileStore, request: DownloadRequest, fetched: Fetched): Promise<DownloadResult> {
  const { header } = fetched;
  for (let n = 0; n <= MAX_NUMBERED_NAMES; n++) {
    const savedAs = n === 0 ? request.name : numberedName(request.name, n);
    const path = store.join(request.directory, savedAs);
    const existing = await store.lstat(path).catch(() => undefined);
    if (existing) {
      if (existing.kind === 'file' && existing.size === header.size && (await store.sha256(path)).sha256 === header.sha256) {
        await store.remove(fetched.partialPath).catch(() => {});
        return { status: 'identical', path, savedAs, size: header.size, sha256: header.sha256 };
      }
      continue;
    }
    try {
      await store.renameNoReplace(fetched.partialPath, path);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') continue;
      throw error;
    }
    return { status: 'saved', path, savedAs, size: header.size, sha256: header.sha256, resumedFrom: fetched.resumedFrom };
  }
  throw new TransferError('NO_FREE_NAME', `no free name for ${request.name} in ${request.directory}`);
}

export async function findPartial(
  store: FileStore,
  directory: string,
  nameTag: string,
): Promise<{ path: string; size: number; shaTag: string } | undefined> {
  const prefix = `.netchat-download-${nameTag}-`;
  for await (const entry of store.list(directory)) {
    const match = entry.kind === 'file' && entry.name.startsWith(prefix) ? /^([0-9a-f]{16})\.part$/.exec(entry.name.slice(prefix.length)) : null;
    if (match) return { path: store.join(directory, entry.name), size: entry.size, shaTag: match[1]! };
  }
  return undefined;
}

export function hashHex(hash: Sha256, text: string): string {
  return hash.update(text).digestHex();
}
