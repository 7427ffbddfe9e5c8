// One upload on its way into the shared folder. Bytes go to a hidden partial file while their
// SHA-256 is computed; only `finish` — after the size and hash checks — renames the file into
// place, under a name that does not replace anything. Every failure removes the partial file, so
// a broken, short, oversized or corrupted upload leaves nothing visible. The hash to check is
// declared before the bytes or, in a trailer after them, handed to `finish`: either way nothing
// becomes visible before it is checked.
import type { DeclaredUpload } from '../../protocol/files/file-lines.ts';
import { checkFileName } from '../../protocol/files/file-names.ts';
import { formatSize } from '../../protocol/files/file-sizes.ts';
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import type { FileWriter, Sha256 } from '../../runtime/types.ts';
import { ChunkCopies } from '../shared/chunk-copies.ts';
import { errorCode } from './file-errors.ts';
import type { FilesLimits } from './files-limits.ts';
import type { SharedFolder } from './shared-folder.ts';

export interface UploadRequest {
  name: string;
  /**
   * Size and hash the sender declared (UPLOAD); absent for a raw upload (UPLOAD_RAW). `sha256`
   * absent: it follows the bytes (`UPLOAD <size> TRAILER`) and is given to `finish`.
   */
  declared?: { size: number; sha256?: string };
}

/**
 * Slabs of an upload whose chunks are borrowed: one written while the other fills, each written
 * in one call. Two, not the downloads' three: a server may run dozens of uploads at once.
 */
const UPLOAD_SLAB_BYTES = 1024 * 1024;
const UPLOAD_SLABS = 2;

/** How often a raw upload, whose size nobody knows in advance, re-checks the free disk space. */
const DISK_CHECK_BYTES = 64 * 1024 * 1024;

export class IncomingUpload {
  private received = 0;
  private sinceDiskCheck = 0;
  private problem: FileProblem | undefined;
  private settled = false;
  /** A free-space check under way (a raw upload checks every DISK_CHECK_BYTES). */
  private diskCheck: Promise<void> | undefined;
  /** Set by `copyChunks`: borrowed chunks are copied into slabs for the writer. */
  private copies: ChunkCopies | undefined;
  private largestChunk = 0;
  /** Settles once the next slab is free, when the writer still held it after the last chunk. */
  private slabFree: Promise<void> | undefined;

  private constructor(
    private readonly folder: SharedFolder,
    private readonly limits: FilesLimits,
    readonly request: UploadRequest,
    private readonly partial: string,
    private readonly writer: FileWriter,
    private readonly hash: Sha256,
  ) {}

  /** Check the request and open the partial file, or say why the upload is refused. */
  static async begin(
    folder: SharedFolder,
    limits: FilesLimits,
    request: UploadRequest,
  ): Promise<IncomingUpload | FileProblem> {
    if (checkFileName(request.name)) return { code: 'FILE_NAME_INVALID', message: `invalid file name "${quote(request.name)}"` };
    const size = request.declared?.size ?? 0;
    if (size > limits.maxUploadBytes) return tooLarge(limits);
    const free = await folder.freeBytes().catch(() => Number.POSITIVE_INFINITY);
    if (free - size < limits.minFreeDiskBytes) return diskFull(limits);
    const partial = folder.partialPath();
    try {
      const writer = await folder.store.openWrite(partial, { mode: 'create' });
      return new IncomingUpload(folder, limits, request, partial, writer, folder.newHash());
    } catch (error) {
      return failure(error);
    }
  }

  get bytesReceived(): number {
    return this.received;
  }

  /** Whether the upload has already failed (further bytes are ignored). */
  get failed(): FileProblem | undefined {
    return this.problem;
  }

  /**
   * Chunks given to `take` from now on are borrowed — valid only during the call, as a socket's
   * reads into its own buffer are — and of at most `largestChunk` bytes: each is copied into a
   * ring of slabs the writer writes whole (see ChunkCopies), and taking pauses only when the next
   * slab is still being written.
   */
  copyChunks(largestChunk: number): void {
    this.copies ??= new ChunkCopies(this.writer, UPLOAD_SLAB_BYTES, UPLOAD_SLABS);
    this.largestChunk = largestChunk;
  }

  /**
   * Take the next bytes: hashed, and queued for the disk. False when the disk is behind: stop
   * feeding until `drained()` settles. Never throws; a failure shows in `failed`.
   */
  take(chunk: Uint8Array): boolean {
    if (this.problem || this.settled || chunk.length === 0) return true;
    this.received += chunk.length;
    if (this.received > this.limits.maxUploadBytes) {
      this.problem = tooLarge(this.limits);
      return true;
    }
    let more: boolean;
    if (this.copies) {
      this.hash.update(this.copies.copy(chunk));
      this.slabFree = this.copies.room(this.largestChunk);
      more = this.slabFree === undefined;
    } else {
      this.hash.update(chunk);
      more = this.writer.write(chunk);
    }
    this.sinceDiskCheck += chunk.length;
    if (!this.request.declared && this.sinceDiskCheck >= DISK_CHECK_BYTES) {
      this.sinceDiskCheck = 0;
      this.diskCheck = this.checkDisk();
      // Wait for the answer before taking more: a disk running low ends the upload there.
      return false;
    }
    return more;
  }

  /**
   * Resolves once what was taken is written — with copies, once the next slab is free — or
   * writing failed (see `failed`). Never rejects.
   */
  drained(): Promise<void> {
    return this.caughtUp(this.copies ? this.slabFree : this.writer.drained());
  }

  private async caughtUp(writing: Promise<void> | undefined): Promise<void> {
    try {
      await writing;
    } catch (error) {
      this.problem ??= failure(error, this.limits);
    }
    await this.diskCheck;
  }

  /** Take the next bytes; resolves when they are written (the caller's backpressure). Never rejects. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.take(chunk)) await this.drained();
    else await this.diskCheck;
  }

  /** A raw upload has no declared size: it must stop when the disk runs low. */
  private async checkDisk(): Promise<void> {
    const free = await this.folder.freeBytes().catch(() => Number.POSITIVE_INFINITY);
    if (free < this.limits.minFreeDiskBytes) this.problem ??= diskFull(this.limits);
  }

  /**
   * All bytes are in (the declared size arrived, or the raw sender half-closed): check them and
   * make the file visible. Returns what was stored, or why nothing was. `trailer` is what came
   * after the bytes of an upload whose hash follows them: the hash, or why it is missing.
   */
  async finish(trailer?: { sha256: string } | FileProblem): Promise<{ stored: DeclaredUpload } | FileProblem> {
    if (this.settled) throw new Error('upload already finished or aborted');
    this.copies?.finish();
    await this.caughtUp(this.writer.drained());
    const declared = this.request.declared;
    let problem = this.problem;
    if (!problem && declared && this.received < declared.size) {
      problem = { code: 'UPLOAD_INCOMPLETE', message: `${this.received} of ${declared.size} bytes arrived` };
    }
    const expected = declared && (declared.sha256 ?? (trailer && 'sha256' in trailer ? trailer.sha256 : undefined));
    if (!problem && declared && expected === undefined) {
      problem = trailer && 'code' in trailer ? trailer : { code: 'UPLOAD_INCOMPLETE', message: 'the SHA-256 trailer did not arrive' };
    }
    const sha256 = this.hash.digestHex();
    if (!problem && declared && sha256 !== expected) {
      problem = { code: 'UPLOAD_CORRUPT', message: `the SHA-256 of what arrived is ${sha256}, not ${expected}` };
    }
    if (problem) {
      await this.abort();
      return problem;
    }
    this.settled = true;
    try {
      await this.writer.close();
      const name = await this.folder.publish(this.partial, this.request.name, sha256);
      return { stored: { size: this.received, sha256, name } };
    } catch (error) {
      await this.folder.store.remove(this.partial).catch(() => {});
      return failure(error, this.limits);
    }
  }

  /** Give up: remove the partial file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.writer.abort().catch(() => this.folder.store.remove(this.partial).catch(() => {}));
  }
}

function quote(text: string): string {
  const shown = [...text].slice(0, 40).join('');
  return shown.length < text.length ? `${shown}…` : shown;
}

function tooLarge(limits: FilesLimits): FileProblem {
  return { code: 'FILE_TOO_LARGE', message: `uploads are limited to ${formatSize(limits.maxUploadBytes)}` };
}

function diskFull(limits: FilesLimits): FileProblem {
  return { code: 'DISK_FULL', message: `not enough free disk space (the server keeps ${formatSize(limits.minFreeDiskBytes)} free)` };
}

function failure(error: unknown, limits?: FilesLimits): FileProblem {
  const code = errorCode(error);
  if ((code === 'ENOSPC' || code === 'EDQUOT') && limits) return diskFull(limits);
  if (code === 'ENOSPC' || code === 'EDQUOT') return { code: 'DISK_FULL', message: 'the disk is full' };
  return { code: 'TRANSFER_FAILED', message: `the server could not write the file (${code ?? 'I/O error'})` };
}
