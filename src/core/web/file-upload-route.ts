// An upload over HTTP: `POST /files/<name>` with the file as the body. The body streams into
// the same hidden partial file as a chat-port upload (IncomingUpload, fed by an UploadIntake
// with its backpressure), and only after the size and — when the client declared it in
// `X-Netchat-Sha256` — hash checks is it renamed into place under a name that replaces nothing.
import { isSha256Hex } from '../../protocol/files/file-lines.ts';
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import type { HttpRequest, HttpResponse } from '../../runtime/http-types.ts';
import type { FileService } from '../files/file-service.ts';
import { IncomingUpload, type UploadRequest } from '../files/incoming-upload.ts';
import { UploadIntake } from '../files/upload-intake.ts';
import { problemStatus } from './file-download-route.ts';
import { sendError, sendJson } from './web-replies.ts';

/** Receive one upload; resolves with what was stored, or undefined when it was refused or broke. */
export async function receiveUpload(
  files: FileService,
  name: string,
  request: HttpRequest,
  response: HttpResponse,
  /** The ticket owner's name (upload-owner.ts), or undefined for a guest. */
  by: string | undefined,
): Promise<{ name: string; size: number } | undefined> {
  const address = request.remote.address;
  const refuse = (problem: FileProblem): undefined => {
    files.report({ type: 'upload-refused', by, address, name, code: problem.code });
    // Connection: close — the body that was not read must not be taken for the next request.
    sendError(response, problemStatus(problem.code), problem.code, problem.message, { Connection: 'close' });
    return undefined;
  };
  const length = request.headers['content-length'];
  if (length === undefined || !/^\d{1,16}$/.test(length)) {
    sendError(response, 411, 'LENGTH_REQUIRED', 'an upload needs a Content-Length', { Connection: 'close' });
    return undefined;
  }
  const size = Number(length);
  const declaredHash = request.headers['x-netchat-sha256']?.toLowerCase();
  if (declaredHash !== undefined && !isSha256Hex(declaredHash)) {
    sendError(response, 400, 'BAD_REQUEST', 'X-Netchat-Sha256 must be 64 hex digits', { Connection: 'close' });
    return undefined;
  }
  if (!files.uploadsEnabled) return refuse({ code: 'UPLOADS_DISABLED', message: 'this server does not accept uploads' });
  if (size > files.limits.maxUploadBytes) return refuse({ code: 'FILE_TOO_LARGE', message: `uploads are limited to ${files.limits.maxUploadBytes} bytes` });
  const release = files.acquireSlot(by === undefined ? { address } : { name: by, address });
  if (!release) return refuse({ code: 'TOO_MANY_TRANSFERS', message: 'too many transfers at once; wait for one to finish' });
  try {
    // Declared: the size is the Content-Length, so a short body is UPLOAD_INCOMPLETE. Without a
    // hash the upload is raw and HTTP's own framing guarantees the length.
    const wanted: UploadRequest = declaredHash ? { name, declared: { size, sha256: declaredHash } } : { name };
    const upload = await IncomingUpload.begin(files.folder, files.limits, wanted);
    if (!(upload instanceof IncomingUpload)) return refuse(upload);
    const intake = new UploadIntake({
      pauseInput: () => request.pauseBody(),
      resumeInput: () => request.resumeBody(),
      transferActivity: () => {},
      finish: () => {},
      replyProblem: () => {},
    });
    let aborted = false;
    request.onBody({
      data: (chunk) => intake.data(chunk),
      end: () => intake.end(),
      aborted: () => {
        aborted = true;
        intake.connectionLost();
      },
    });
    const result = await intake.run(upload);
    if (!result || aborted) return undefined;
    if ('code' in result) return refuse(result);
    const { stored } = result;
    files.report({ type: 'upload', by, address, name: stored.name, size: stored.size, sha256: stored.sha256 });
    sendJson(response, 201, { name: stored.name, size: stored.size, sha256: stored.sha256 });
    return stored;
  } finally {
    release();
  }
}
