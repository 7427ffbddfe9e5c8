// The raw bytes of one upload, from the connection to the upload. Bytes can arrive before the
// upload is ready for them (an `nc` sender does not wait for anything), so the first ones are
// kept — up to a bound, past which reading pauses — and then fed in order. Feeding follows the
// disk: once the upload's writer is past its mark, reading pauses until it has written what it
// holds, so a fast sender and a slow disk cost constant memory. Bytes are fed as they arrive, with
// no promise per chunk: only a pause waits for anything. An upload whose hash follows its bytes
// (`UPLOAD <size> TRAILER`) ends with a trailer line, read here and handed to the upload's check.
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import { MAX_UPLOAD_TRAILER_BYTES, parseUploadTrailer, type DeclaredUpload } from '../../protocol/files/file-lines.ts';
import type { RawInputSink } from '../links/line-link.ts';
import type { IncomingUpload } from './incoming-upload.ts';

/** What the intake needs of its connection. */
export interface IntakeConnection {
  pauseInput(): void;
  resumeInput(): void;
  transferActivity(): void;
  /** Close after what is queued, with this final line. */
  finish(finalLine?: string): void;
  replyProblem(problem: FileProblem): void;
}

/** Bytes that may arrive before the upload is ready for them; past this, reading pauses. */
const MAX_EARLY_BYTES = 1024 * 1024;

/** The one read buffer of an upload's connection, where its transport reads into its own. */
export const UPLOAD_READ_BUFFER_BYTES = 128 * 1024;

export type IntakeResult = { stored: DeclaredUpload } | FileProblem | undefined;

export class UploadIntake implements RawInputSink {
  private early: Uint8Array[] | undefined = [];
  private earlyBytes = 0;
  /** Set by `copyReads`: chunks are borrowed, of at most this many bytes. */
  private borrowedChunkBytes: number | undefined;
  private upload: IncomingUpload | undefined;
  /** Bytes handed to the upload so far (written or being written). */
  private fedBytes = 0;
  /** Settles once the disk has caught up, while reading is paused for it. */
  private writing: Promise<void> = Promise.resolve();
  private waitingForDisk = false;
  private paused = false;
  private ended = false;
  private settled = false;
  private resolveResult: ((result: IntakeResult) => void) | undefined;
  /** The trailer line so far (its bytes as Latin-1: a valid one is ASCII), then what it said. */
  private trailerText = '';
  private trailer: { sha256: string } | FileProblem | undefined;

  constructor(private readonly connection: IntakeConnection) {}

  /**
   * The connection's chunks from now on are views of its read buffer, valid only during `data`
   * and at most `largestChunk` bytes: early ones are kept as copies, and the upload copies the
   * rest into its slabs.
   */
  copyReads(largestChunk: number): void {
    this.borrowedChunkBytes = largestChunk;
  }

  /** Refuse before any byte is used: the reply is the last line, then the connection closes. */
  refuse(problem: FileProblem): void {
    this.settled = true;
    this.early = undefined;
    this.connection.replyProblem(problem);
    this.connection.finish();
  }

  /** Feed the upload until it is complete; resolves with its verdict, or undefined if the connection went away. */
  run(upload: IncomingUpload): Promise<IntakeResult> {
    this.upload = upload;
    if (this.borrowedChunkBytes !== undefined) upload.copyChunks(this.borrowedChunkBytes);
    const result = new Promise<IntakeResult>((resolve) => (this.resolveResult = resolve));
    const early = this.early ?? [];
    this.early = undefined;
    for (const chunk of early) this.feed(chunk);
    if (!this.waitingForDisk) this.setPaused(false);
    this.checkComplete();
    return result;
  }

  data(bytes: Uint8Array): void {
    if (this.settled) return;
    if (this.early) {
      // `new Uint8Array(view)` copies; a Buffer's `slice` would not.
      this.early.push(this.borrowedChunkBytes === undefined ? bytes : new Uint8Array(bytes));
      this.earlyBytes += bytes.length;
      if (this.earlyBytes > MAX_EARLY_BYTES) this.setPaused(true);
      return;
    }
    this.feed(bytes);
    this.checkComplete();
  }

  end(): void {
    this.ended = true;
    if (!this.early) this.checkComplete();
  }

  /** The connection closed before the upload finished: nothing is kept. */
  connectionLost(): void {
    if (this.settled) return;
    this.settled = true;
    void this.writing.then(() => this.upload?.abort());
    this.resolveResult?.(undefined);
  }

  /** Bytes the upload still takes: the rest of a declared size, or no end for a raw upload. */
  private get wanted(): number {
    const size = this.upload?.request.declared?.size;
    return size === undefined ? Number.POSITIVE_INFINITY : size - this.fedBytes;
  }

  /** Whether the upload's hash comes in a trailer line after its bytes. */
  private get expectsTrailer(): boolean {
    const declared = this.upload?.request.declared;
    return declared !== undefined && declared.sha256 === undefined;
  }

  private feed(bytes: Uint8Array): void {
    const upload = this.upload!;
    // A declared upload takes exactly its size; anything after it is not part of the file.
    const take = bytes.length <= this.wanted ? bytes : bytes.subarray(0, Math.max(0, this.wanted));
    if (take.length < bytes.length && this.expectsTrailer) this.readTrailer(bytes.subarray(take.length));
    if (take.length === 0) return;
    this.fedBytes += take.length;
    this.connection.transferActivity();
    if (upload.take(take) || this.waitingForDisk) return;
    // The disk is behind: read nothing more until it has written what it holds.
    this.waitingForDisk = true;
    this.setPaused(true);
    this.writing = upload.drained().then(() => {
      this.waitingForDisk = false;
      if (!this.settled) this.setPaused(false);
      // A write can fail (disk full): that ends the upload now.
      if (upload.failed) this.checkComplete();
    });
  }

  /** Bytes after the file's own: the trailer line, up to its LF; anything after that is ignored. */
  private readTrailer(bytes: Uint8Array): void {
    if (this.trailer) return;
    this.connection.transferActivity();
    const lf = bytes.indexOf(0x0a);
    const part = lf === -1 ? bytes : bytes.subarray(0, lf);
    const malformed: FileProblem = { code: 'UPLOAD_CORRUPT', message: 'the line after the bytes must be "SHA256 <64 hex digits>"' };
    if (this.trailerText.length + part.length >= MAX_UPLOAD_TRAILER_BYTES) {
      this.trailer = malformed;
      return;
    }
    this.trailerText += String.fromCharCode(...part);
    if (lf === -1) return;
    const sha256 = parseUploadTrailer(this.trailerText);
    this.trailer = sha256 === undefined ? malformed : { sha256 };
  }

  /**
   * Done when the declared size (and its trailer, if one is due) is in, the upload failed, or the
   * sender half-closed.
   */
  private checkComplete(): void {
    const upload = this.upload;
    if (!upload || this.settled) return;
    const allIn = this.wanted <= 0 && (!this.expectsTrailer || this.trailer !== undefined);
    const complete = allIn || upload.failed !== undefined || this.ended;
    if (!complete) return;
    this.settled = true;
    const trailer = this.trailer;
    void this.writing.then(async () => this.resolveResult?.(await upload.finish(trailer)));
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.connection.pauseInput();
    else this.connection.resumeInput();
  }
}
