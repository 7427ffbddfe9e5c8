// A shared file over HTTP: the listing as JSON, and one file with its SHA-256 in a header and
// `Range` for resuming. Names resolve through the shared folder (nothing outside it is ever
// reached), the hash is the folder's cached one, and a download holds a transfer slot like any
// other; bytes are read a chunk ahead and only as fast as the client takes them.
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import type { HttpRequest, HttpResponse } from '../../runtime/http-types.ts';
import type { FileService } from '../files/file-service.ts';
import { errorCode } from '../files/file-errors.ts';
import { SpareBuffers } from '../files/spare-buffers.ts';
import { readAhead } from '../shared/read-ahead.ts';
import { parseByteRange, sha256HexToBase64 } from './byte-range.ts';
import { SECURITY_HEADERS, sendError, sendJson } from './web-replies.ts';

/** Larger chunks cost less CPU per byte over HTTP (1 MiB: about 0.7 s per GiB here, 256 KiB: 0.9). */
const CHUNK_BYTES = 1024 * 1024;

/** The HTTP status of each file problem a request can meet. */
export function problemStatus(code: FileProblem['code']): number {
  switch (code) {
    case 'NO_SUCH_FILE':
      return 404;
    case 'FILE_NAME_INVALID':
      return 400;
    case 'FILE_TOO_LARGE':
      return 413;
    case 'UPLOADS_DISABLED':
      return 403;
    case 'TOO_MANY_TRANSFERS':
      return 429;
    case 'UPLOAD_CORRUPT':
    case 'UPLOAD_INCOMPLETE':
      return 422;
    case 'DISK_FULL':
      return 507;
    default:
      return 500;
  }
}

/** GET /files[?after=<name>]: one page of the listing. */
export function sendListing(files: FileService, request: HttpRequest, response: HttpResponse, query: URLSearchParams): void {
  files.folder.refreshSoon();
  const page = files.folder.page(query.get('after') ?? undefined, files.limits.listPageEntries);
  sendJson(response, 200, {
    files: page.entries.map(({ name, size, mtimeMs }) => ({ name, size, mtime: new Date(mtimeMs).toISOString() })),
    total: page.total,
    ...(page.continueAfter !== undefined && { continueAfter: page.continueAfter }),
    uploads: files.uploadsEnabled,
    maxUploadBytes: files.limits.maxUploadBytes,
    maxTransfersPerUser: files.limits.maxTransfersPerUser,
  });
}

/** GET or HEAD /files/<name>. */
export async function sendFile(files: FileService, name: string, request: HttpRequest, response: HttpResponse): Promise<void> {
  const file = await files.folder.resolve(name);
  if (typeof file === 'string') {
    return sendError(response, problemStatus(file), file, file === 'NO_SUCH_FILE' ? 'no shared file by that name' : 'invalid file name');
  }
  let sha256: string;
  try {
    sha256 = await files.folder.sha256(file);
  } catch (error) {
    return sendError(response, 500, 'TRANSFER_FAILED', `the server could not read the file (${errorCode(error) ?? 'I/O error'})`);
  }
  const etag = `"${sha256}"`;
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseByteRange(request.headers.range, file.size) : undefined;
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': 'no-cache',
    'X-Netchat-Sha256': sha256,
    'Repr-Digest': `sha-256=:${sha256HexToBase64(sha256)}:`,
  };
  if (range === 'unsatisfiable') {
    return sendError(response, 416, 'RANGE_NOT_SATISFIABLE', `the file has ${file.size} bytes`, { 'Content-Range': `bytes */${file.size}` });
  }
  const { start, end } = range ?? { start: 0, end: file.size };
  const head = () =>
    response.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': end - start,
      ...(range && { 'Content-Range': `bytes ${start}-${end - 1}/${file.size}` }),
    });
  if (request.method === 'HEAD' || end === start) {
    head();
    return response.end();
  }
  // The slot is taken before the head is written, so that a refusal is still a 429 with its reason.
  const owner = { address: request.remote.address };
  const release = files.acquireSlot(owner);
  if (!release) return sendError(response, problemStatus('TOO_MANY_TRANSFERS'), 'TOO_MANY_TRANSFERS', 'too many transfers at once; wait for one to finish');
  head();
  let outcome: 'sent' | 'changed' | 'short' | 'closed' | 'failed' = 'failed';
  try {
    outcome = await streamRange(files, file.path, start, end, response);
    if (outcome === 'sent' && !(await files.folder.unchanged(file))) outcome = 'changed';
  } finally {
    release();
  }
  files.report({ type: 'download', by: undefined, address: request.remote.address, name: file.name, offset: start, outcome });
  // A file that changed or ended early cannot keep the promise of its headers: break the response.
  if (outcome === 'sent') response.end();
  else response.destroy();
}

async function streamRange(files: FileService, path: string, start: number, end: number, response: HttpResponse): Promise<'sent' | 'short' | 'closed' | 'failed'> {
  let wake: (() => void) | undefined;
  response.onDrain(() => wake?.());
  response.onClose(() => wake?.());
  // Two buffers filled over and over where the runtime says when it let go of one; a fresh
  // buffer per chunk costs an allocation and page faults per MiB sent.
  const spares = new SpareBuffers(CHUNK_BYTES);
  const chunks = readAhead(files.folder.store.read(path, { start, end, chunkBytes: CHUNK_BYTES, spare: spares.take }));
  let sent = 0;
  let lastWritten: Uint8Array | undefined;
  try {
    for (;;) {
      const { value: chunk, done } = await chunks.next();
      if (done) break;
      if (response.closed) return 'closed';
      sent += chunk.length;
      spares.written(chunk);
      lastWritten = chunk;
      // Writes leave in order: once the last one is released, so is every one before it.
      const released = () => chunk === lastWritten && spares.drained();
      if (!response.write(chunk, released)) {
        if (response.closed) return 'closed';
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (response.closed) return 'closed';
      }
    }
  } catch (error) {
    if (response.closed) return 'closed';
    return errorCode(error) === 'FILE_SHORT_READ' ? 'short' : 'failed';
  } finally {
    chunks.stop();
  }
  return sent < end - start ? 'short' : 'sent';
}
