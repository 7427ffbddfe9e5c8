// One download out of the shared folder: which file a DOWNLOAD_TCP line means, its header, and
// its bytes streamed from disk with backpressure — a chunk is read only when the connection has
// taken the one before the previous, so memory stays constant (two read buffers, used again and
// again) whatever the file size and however slowly the client reads.
import { downloadReadings, type FileHeader } from '../../protocol/files/file-lines.ts';
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import { errorCode } from './file-errors.ts';
import type { SharedFile, SharedFolder } from './shared-folder.ts';
import { SpareBuffers } from './spare-buffers.ts';
import { readAhead } from '../shared/read-ahead.ts';

/** The read size when the caller names none. */
const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** Where the bytes go: a connection in raw mode. */
export interface ByteSink {
  /** Queue bytes; false when the sink is over its buffer mark and the writer should wait. */
  write(bytes: Uint8Array): boolean;
  /** Resolves true once the buffer drained, false if the sink closed first. */
  drained(): Promise<boolean>;
  readonly closed: boolean;
  /**
   * Bytes queued and not yet handed to the system, where the sink knows: written chunks and
   * anything else it holds (lines kept back until the download ends).
   */
  readonly pendingBytes?: number;
}

export interface PreparedDownload {
  file: SharedFile;
  offset: number;
  header: FileHeader;
}

/** Resolve `DOWNLOAD_TCP <rest>` to a file and its header, or say why not. */
export async function prepareDownload(folder: SharedFolder, rest: string): Promise<PreparedDownload | FileProblem> {
  const readings = downloadReadings(rest);
  if (readings.length === 0) return { code: 'FILE_NAME_INVALID', message: 'usage: DOWNLOAD_TCP <file> [offset]' };
  let problem: FileProblem | undefined;
  for (const { name, offset } of readings) {
    const file = await folder.resolve(name);
    if (file === 'FILE_NAME_INVALID') {
      problem ??= { code: file, message: `invalid file name "${quote(name)}"` };
      continue;
    }
    if (file === 'NO_SUCH_FILE') {
      problem ??= { code: file, message: `no shared file named "${quote(name)}"; LIST_FILES shows them` };
      continue;
    }
    if (offset > file.size) return { code: 'BAD_OFFSET', message: `offset ${offset} is past the end of ${name} (${file.size} bytes)` };
    try {
      const sha256 = await folder.sha256(file);
      return { file, offset, header: { size: file.size, sha256, offset, name: file.name } };
    } catch (error) {
      return { code: 'TRANSFER_FAILED', message: `the server could not read ${name} (${errorCode(error) ?? 'I/O error'})` };
    }
  }
  return problem!;
}

/**
 * sent: every promised byte went out and the file is unchanged. changed: every byte went out but
 * the file changed meanwhile. short: the file ended early, so the promised count cannot be kept.
 * closed: the connection went away. failed: a read error.
 */
export type DownloadOutcome = 'sent' | 'changed' | 'short' | 'closed' | 'failed';

/** Send the bytes after the header: exactly `size - offset` of them, or say why not. */
export async function streamDownload(
  folder: SharedFolder,
  download: PreparedDownload,
  sink: ByteSink,
  options: { chunkBytes?: number; onProgress?: (bytes: number) => void } = {},
): Promise<DownloadOutcome> {
  const { file, offset } = download;
  let sent = 0;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const spares = new SpareBuffers(chunkBytes);
  // An explicit end: a file that shrank fails the read (FILE_SHORT_READ) instead of ending early.
  // The next chunk is read while this one goes out: the disk and the socket work at once, and
  // at most two chunks are in memory — the same two, over and over (see SpareBuffers).
  const chunks = readAhead(folder.store.read(file.path, { start: offset, end: file.size, chunkBytes, spare: spares.take }));
  // Whether the sink holds none of our chunks. What else it counts as pending (chat lines held
  // back until the download ends) does not change while a chunk is written, so a write that
  // leaves the count where it was went straight through.
  let clear = sink.pendingBytes === 0;
  try {
    for (;;) {
      const { value: chunk, done } = await chunks.next();
      if (done) break;
      if (sink.closed) return 'closed';
      sent += chunk.length;
      options.onProgress?.(chunk.length);
      spares.written(chunk);
      const pendingBefore = sink.pendingBytes;
      if (!sink.write(chunk)) {
        if (!(await sink.drained())) return 'closed';
        spares.drained();
        clear = true;
      } else if (clear && pendingBefore !== undefined && sink.pendingBytes === pendingBefore) {
        // Written straight through to the system (a socket with room does that): nothing holds it.
        spares.drained();
      } else {
        clear = false;
      }
    }
  } catch (error) {
    if (sink.closed) return 'closed';
    return errorCode(error) === 'FILE_SHORT_READ' ? 'short' : 'failed';
  } finally {
    // Closing the reader ends a read still running when the download stops.
    chunks.stop();
  }
  if (sent < file.size - offset) return 'short';
  return (await folder.unchanged(file)) ? 'sent' : 'changed';
}

function quote(text: string): string {
  const shown = [...text].slice(0, 40).join('');
  return shown.length < text.length ? `${shown}…` : shown;
}
