// An upload to a netchat server, on its own connection. A file is declared first — its size,
// with the SHA-256 to follow the bytes — so the server can refuse before any byte moves and check
// every byte after; the file is read once, hashed as it is sent. A server from before trailers
// gets the hash first (a second read). A stream (stdin) whose size is unknown goes raw and ends
// with a half-close, and the server's verdict is compared with the hash computed here while sending.
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import type { FileStore, Runtime, Sha256 } from '../../runtime/types.ts';
import { SpareBuffers } from '../files/spare-buffers.ts';
import type { Clock } from '../shared/clock.ts';
import type { TransferTarget } from './download-job.ts';
import { TransferConnection, TransferError } from './transfer-connection.ts';
import { expectGreeting, nextReply } from './transfer-replies.ts';
import { logInForUpload, type UploadLogin } from './upload-login.ts';
import { readAhead } from '../shared/read-ahead.ts';

export interface UploadDeps {
  runtime: Pick<Runtime, 'connectTcp' | 'sha256'>;
  store: FileStore;
  clock: Clock;
}

export type UploadSource =
  /** A local file: declared upload. */
  | { kind: 'file'; path: string }
  /** A stream of unknown length (stdin): raw upload, ended by a half-close. */
  | { kind: 'stream'; chunks: AsyncIterable<Uint8Array> };

export interface UploadRequest {
  source: UploadSource;
  /** The name to store it under on the server (it may be stored as `name (1)` when taken). */
  name: string;
  onProgress?: (done: number, total: number | undefined) => void;
}

export interface UploadResult {
  /** The name the server stored it under. */
  storedAs: string;
  size: number;
  sha256: string;
}

/** Bytes read from the file per socket write: large enough that a gigabyte is a few thousand writes. */
const SEND_CHUNK_BYTES = 256 * 1024;

/**
 * `target.ticket` absent: the upload is the first line of a fresh connection, after the login
 * lines of `target.login` when given (without them, a guest's upload).
 */
export type UploadTarget = Omit<TransferTarget, 'ticket'> & { ticket?: () => Promise<string>; login?: UploadLogin };

export async function uploadFile(deps: UploadDeps, target: UploadTarget, request: UploadRequest): Promise<UploadResult> {
  if (request.source.kind === 'stream') return uploadStream(deps, target, request, request.source.chunks);
  // The user named this file: a link to it is fine, so read what it leads to.
  const path = await deps.store.realpath(request.source.path).catch(() => undefined);
  const info = path === undefined ? undefined : await deps.store.stat(path).catch(() => undefined);
  if (!path || !info || info.kind !== 'file') throw new TransferError('NO_SUCH_FILE', `${request.source.path} is not a file`);
  try {
    return await uploadDeclared(deps, target, request, path, info.size, undefined);
  } catch (error) {
    // A server from before trailers refuses `UPLOAD <size> TRAILER` as malformed: hash first, then send.
    if (!(error instanceof TransferError) || error.code !== 'MISSING_ARGUMENT') throw error;
    const hashed = await deps.store.sha256(path);
    return uploadDeclared(deps, target, request, path, hashed.stat.size, hashed.sha256);
  }
}

/** Open the connection and take it for an upload: a ticket, a login, or nothing (a guest). */
async function openUploadConnection(deps: UploadDeps, target: UploadTarget): Promise<TransferConnection> {
  const ticket = target.ticket ? await target.ticket() : undefined;
  const connection = await TransferConnection.open(deps.runtime, target, deps.clock);
  try {
    await expectGreeting(connection);
    if (ticket !== undefined) connection.writeLine(fileClientLine.transfer(ticket));
    else if (target.login) await logInForUpload(connection, target.login);
    return connection;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/**
 * `UPLOAD <size> <sha256> <name>` when the hash is known, else `UPLOAD <size> TRAILER <name>`:
 * the file is read once, hashed as it is sent, and the hash follows the bytes.
 */
async function uploadDeclared(
  deps: UploadDeps,
  target: UploadTarget,
  request: UploadRequest,
  path: string,
  size: number,
  knownSha256: string | undefined,
): Promise<UploadResult> {
  const connection = await openUploadConnection(deps, target);
  try {
    connection.writeLine(fileClientLine.upload({ size, sha256: knownSha256, name: request.name }));
    await nextReply(connection, 'upload-ready');
    const hash = knownSha256 === undefined ? deps.runtime.sha256() : undefined;
    const spares = new SpareBuffers(SEND_CHUNK_BYTES);
    const read = deps.store.read(path, { start: 0, end: size, chunkBytes: SEND_CHUNK_BYTES, spare: spares.take });
    const sent = await send(connection, hash ? hashed(read, hash) : read, size, request.onProgress, spares);
    const sha256 = knownSha256 ?? hash!.digestHex();
    if (sent === size && knownSha256 === undefined) connection.writeLine(fileClientLine.uploadTrailer(sha256));
    return checkVerdict(await nextReply(connection, 'file-stored'), size, sha256);
  } finally {
    connection.destroy();
  }
}

/** A stream of unknown length: `UPLOAD_RAW`, ended by a half-close; the server's hash is checked against ours. */
async function uploadStream(deps: UploadDeps, target: UploadTarget, request: UploadRequest, chunks: AsyncIterable<Uint8Array>): Promise<UploadResult> {
  const connection = await openUploadConnection(deps, target);
  try {
    connection.writeLine(fileClientLine.uploadRaw(request.name));
    const hash = deps.runtime.sha256();
    const size = await send(connection, hashed(chunks, hash), undefined, request.onProgress);
    connection.end();
    return checkVerdict(await nextReply(connection, 'file-stored'), size, hash.digestHex());
  } finally {
    connection.destroy();
  }
}

async function* hashed(chunks: AsyncIterable<Uint8Array>, hash: Sha256): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

function checkVerdict(stored: { size: number; sha256: string; name: string }, size: number, sha256: string): UploadResult {
  if (stored.size !== size || stored.sha256 !== sha256) {
    throw new TransferError('UPLOAD_CORRUPT', `the server stored ${stored.size} bytes with SHA-256 ${stored.sha256}; sent ${size} with ${sha256}`);
  }
  return { storedAs: stored.name, size: stored.size, sha256: stored.sha256 };
}

/**
 * Write every chunk with backpressure, reading the next while the last goes out; stop early when
 * the server answers (an ERROR) first. With `spares`, the read buffers are used again once the
 * connection holds nothing.
 */
async function send(
  connection: TransferConnection,
  chunks: AsyncIterable<Uint8Array>,
  total: number | undefined,
  onProgress: UploadRequest['onProgress'],
  spares?: SpareBuffers,
): Promise<number> {
  let done = 0;
  onProgress?.(done, total);
  const reader = readAhead(chunks);
  try {
    for (;;) {
      const { value: chunk, done: finished } = await reader.next();
      if (finished) return done;
      if (connection.hasInput) return done; // the server spoke before the end: its ERROR is read next
      done += chunk.length;
      spares?.written(chunk);
      if (!connection.write(chunk)) {
        if (!(await connection.drained())) return done;
        spares?.drained();
      } else if (connection.pendingWriteBytes === 0) {
        spares?.drained();
      }
      onProgress?.(done, total);
    }
  } finally {
    reader.stop();
  }
}
