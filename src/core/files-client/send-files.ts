// `netchat send-file`: what the arguments name, as uploads — a file as itself, a folder as the
// shareable files directly inside it, `-` as standard input under a given name — and the
// uploads run one after another, each with its own verdict, so that one refusal does not stop
// the rest.
import { checkFileName } from '../../protocol/files/file-names.ts';
import type { FileStore } from '../../runtime/types.ts';
import { TransferError } from './transfer-connection.ts';
import { uploadFile, type UploadDeps, type UploadResult, type UploadSource, type UploadTarget } from './upload-job.ts';

export interface PlannedUpload {
  /** What the user named: a path, or `-`. */
  label: string;
  source: UploadSource;
  name: string;
}

export type PlanProblem = { label: string; code: 'NOT_FOUND' | 'NOT_A_FILE' | 'EMPTY_FOLDER' | 'FILE_NAME_INVALID'; message: string };

/** Turn the command's paths into uploads; `stdinName` is the name for `-`. */
export async function planUploads(
  store: FileStore,
  paths: readonly string[],
  stdin: { chunks: AsyncIterable<Uint8Array>; name: string | undefined },
): Promise<{ uploads: PlannedUpload[]; problems: PlanProblem[] }> {
  const uploads: PlannedUpload[] = [];
  const problems: PlanProblem[] = [];
  for (const path of paths) {
    if (path === '-') {
      uploads.push({ label: '-', source: { kind: 'stream', chunks: stdin.chunks }, name: stdin.name ?? '' });
      continue;
    }
    const info = await store.stat(path).catch(() => undefined);
    if (!info) {
      problems.push({ label: path, code: 'NOT_FOUND', message: `${path}: no such file or folder` });
    } else if (info.kind === 'file') {
      uploads.push({ label: path, source: { kind: 'file', path }, name: store.basename(path) });
    } else if (info.kind === 'directory') {
      const inside: PlannedUpload[] = [];
      let refused = 0;
      for await (const entry of store.list(path)) {
        const file = store.join(path, entry.name);
        // Hidden files are left out, as the server would never list them.
        if (entry.name.startsWith('.')) continue;
        // Links are followed here: the user chose this folder.
        const target = entry.kind === 'symlink' ? await store.stat(file).catch(() => undefined) : entry;
        if (target?.kind !== 'file') continue;
        // A name the server would refuse is said now, not skipped without a word.
        if (checkFileName(entry.name)) {
          problems.push({ label: file, code: 'FILE_NAME_INVALID', message: `${file}: not a name a shared file may have (see docs/PROTOCOL.md, "Names"); rename it to send it` });
          refused++;
          continue;
        }
        inside.push({ label: file, source: { kind: 'file', path: file }, name: entry.name });
      }
      inside.sort((a, b) => (a.name < b.name ? -1 : 1));
      if (inside.length === 0 && refused === 0) {
        problems.push({ label: path, code: 'EMPTY_FOLDER', message: `${path}: no files to send in this folder` });
      }
      uploads.push(...inside);
    } else {
      problems.push({ label: path, code: 'NOT_A_FILE', message: `${path}: not a regular file or folder` });
    }
  }
  return { uploads, problems };
}

/** The address has no netchat server to take an upload: nothing to reach, or something else answers. */
export function isUnreachable(error: TransferError): boolean {
  return error.code === 'CONNECT_FAILED' || error.code === 'NOT_NETCHAT';
}

export type UploadOutcome = { upload: PlannedUpload; result: UploadResult } | { upload: PlannedUpload; error: TransferError };

/** Run the uploads in order; `onStart`/`onProgress` let the command show each one. */
export async function sendAll(
  deps: UploadDeps,
  target: UploadTarget,
  uploads: readonly PlannedUpload[],
  hooks: {
    onStart?: (upload: PlannedUpload) => void;
    onProgress?: (upload: PlannedUpload, done: number, total: number | undefined) => void;
    onOutcome?: (outcome: UploadOutcome) => void;
    /** An error after which the next files would fail the same way (a refused login). */
    stopsAll?: (error: TransferError) => boolean;
  } = {},
): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = [];
  for (const upload of uploads) {
    hooks.onStart?.(upload);
    let outcome: UploadOutcome;
    try {
      const result = await uploadFile(deps, target, {
        source: upload.source,
        name: upload.name,
        onProgress: (done, total) => hooks.onProgress?.(upload, done, total),
      });
      outcome = { upload, result };
    } catch (error) {
      const transferError =
        error instanceof TransferError ? error : new TransferError('TRANSFER_FAILED', `${upload.label}: ${(error as Error).message}`);
      outcome = { upload, error: transferError };
    }
    outcomes.push(outcome);
    hooks.onOutcome?.(outcome);
    // A server that cannot be reached (or is not netchat) will not be for the next file either.
    if ('error' in outcome && (isUnreachable(outcome.error) || hooks.stopsAll?.(outcome.error))) break;
  }
  return outcomes;
}
