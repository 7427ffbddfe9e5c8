// An upload to a netchat server, on its own connection. A file is declared first — size and
// SHA-256, read once before sending — so the server can refuse before any byte moves and check
// every byte after; a stream (stdin) whose size is unknown goes raw and ends with a half-close,
// and the server's verdict is compared with the hash computed here while sending.
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import type { FileStore, Runtime } from '../../runtime/types.ts';
import { SpareBuffers } from '../files/spare-buffers.ts';
import type { Clock } from '../shared/clock.ts';
import type { TransferTarget } from './download-job.ts';
import { TransferConnection, TransferError } from './transfer-connection.ts';
import { expectGreeting, nextReply } from './transfer-replies.ts';
import { logInForUpload, type UploadLogin } from './upload-login.ts';

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
  const { store } = deps;
  let declared: { size: number; sha256: string } | undefined;
  let path: string | undefined;
  if (request.source.kind === 'file') {
    // The user named this file: a link to it is fine, so read what it leads to.
    path = await store.realpath(request.source.path).catch(() => undefined);
    const info = path === undefined ? undefined : await store.stat(path).catch(() => undefined);
    if (!path || !info || info.kind !== 'file') throw new TransferError('NO_SUCH_FILE', `${request.source.path} is not a file`);
    const hashed = await store.sha256(path);
    declared = { size: hashed.stat.size, sha256: hashed.sha256 };
  }
  const ticket = target.ticket ? await target.ticket() : undefined;
  const connection = await TransferConnection.open(deps.runtime, target, deps.clock);
  try {
    await expectGreeting(connection);
    if (ticket !== undefined) connection.writeLine(fileClientLine.transfer(ticket));
    else if (target.login) await logInForUpload(connection, target.login);
    if (declared) {
      connection.writeLine(fileClientLine.upload({ ...declared, name: request.name }));
      await nextReply(connection, 'upload-ready');
      const spares = new SpareBuffers(SEND_CHUNK_BYTES);
      const chunks = store.read(path!, { start: 0, end: declared.size, chunkBytes: SEND_CHUNK_BYTES, spare: spares.take });
      await send(connection, chunks, declared.size, request.onProgress, spares);
    } else {
      connection.writeLine(fileClientLine.uploadRaw(request.name));
      const hash = deps.runtime.sha256();
      let size = 0;
      const counted = (async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      })((request.source as { kind: 'stream'; chunks: AsyncIterable<Uint8Array> }).chunks);
      await send(connection, counted, undefined, request.onProgress);
      connection.end();
      declared = { size, sha256: hash.digestHex() };
    }
    const stored = await nextReply(connection, 'file-stored');
    if (stored.size !== declared.size || stored.sha256 !== declared.sha256) {
      throw new TransferError(
        'UPLOAD_CORRUPT',
        `the server stored ${stored.size} bytes with SHA-256 ${stored.sha256}; sent ${declared.size} with ${declared.sha256}`,
      );
    }
    return { storedAs: stored.name, size: stored.size, sha256: stored.sha256 };
  } finally {
    connection.destroy();
  }
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
): Promise<void> {
  let done = 0;
  onProgress?.(done, total);
  const iterator = chunks[Symbol.asyncIterator]();
  // A read ahead may fail while the previous chunk goes out; it is awaited (and thrown) next.
  const readAhead = () => {
    const read = iterator.next();
    read.catch(() => {});
    return read;
  };
  let next = readAhead();
  try {
    for (;;) {
      const { value: chunk, done: finished } = await next;
      if (finished) return;
      if (connection.hasInput) return; // the server spoke before the end: its ERROR is read next
      next = readAhead();
      done += chunk.length;
      spares?.written(chunk);
      if (!connection.write(chunk)) {
        if (!(await connection.drained())) return;
        spares?.drained();
      } else if (connection.pendingWriteBytes === 0) {
        spares?.drained();
      }
      onProgress?.(done, total);
    }
  } finally {
    void iterator.return?.();
  }
}
