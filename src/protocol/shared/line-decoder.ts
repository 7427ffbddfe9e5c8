// Chunk-fed line framer. Lines end in LF; one CR before the LF is dropped. Bytes are held
// until their LF arrives and only then decoded, so a UTF-8 character split across chunks is
// whole again (0x0A never occurs inside a multi-byte sequence). Invalid UTF-8 becomes U+FFFD.
import { concatBytes } from './bytes.ts';

export interface LineDecoderLimits {
  /** Longest line accepted, in bytes, not counting the CR LF. */
  maxLineBytes: number;
  /** Longest run of bytes without any LF before the stream is judged broken. */
  maxUnterminatedBytes: number;
}

export interface LineSink {
  line(text: string): void;
  /** A complete line over `maxLineBytes` was dropped; `bytes` is its length. */
  overlong(bytes: number): void;
  /**
   * Read after every line: once true, `push` stops right after that line and returns the rest
   * of the chunk unread, so what follows a command line can go to a reader of raw bytes.
   */
  readonly framingStopped?: boolean;
}

/** Framing stopped after a line: `rest` is the part of the chunk after that line's LF. */
export interface LinesStopped {
  rest: Uint8Array;
}

export type PushResult = 'ok' | 'unterminated-overflow' | LinesStopped;

const LF = 0x0a;
const CR = 0x0d;

// Lines are decoded whole, never as a stream, so one stateless decoder serves every connection
// (a server holds thousands of decoders; each instance must stay small).
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class LineDecoder {
  /** Bytes of the current line kept so far (never more than maxLineBytes); none while idle. */
  private held: Uint8Array[] | undefined = undefined;
  private heldBytes = 0;
  /** Length of the current line, including bytes already discarded as over-long. */
  private lineBytes = 0;
  /** Whether the last byte of the current line so far is CR (it may not be held). */
  private endsInCR = false;

  /** May be replaced between lines (from inside `line`, say), never in the middle of one. */
  constructor(public limits: LineDecoderLimits) {}

  /** Bytes received since the last LF. */
  get pendingBytes(): number {
    return this.lineBytes;
  }

  push(chunk: Uint8Array, sink: LineSink): PushResult {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      let more: boolean;
      if (lf !== -1 && this.lineBytes === 0) {
        // Fast path: a whole line inside this chunk is decoded straight from it.
        more = this.emit(chunk.subarray(start, lf), lf - start, lf > start && chunk[lf - 1] === CR, sink);
      } else {
        const end = lf === -1 ? chunk.length : lf;
        // A fragment that outlives this chunk is copied, so it never pins the reader's buffer.
        this.take(chunk, start, end, lf === -1);
        if (lf === -1) {
          if (this.lineBytes > this.limits.maxUnterminatedBytes) return 'unterminated-overflow';
          return 'ok';
        }
        more = this.finishLine(sink);
      }
      start = lf + 1;
      if (!more) return { rest: chunk.subarray(start) };
    }
    return 'ok';
  }

  /**
   * The stream ended: bytes after the last LF are one more line (a file piped in without its final
   * newline), under the same limits. Returns the same as `push` would after that line.
   */
  end(sink: LineSink): PushResult {
    if (this.lineBytes === 0) return 'ok';
    return this.finishLine(sink) ? 'ok' : { rest: new Uint8Array(0) };
  }

  private take(chunk: Uint8Array, start: number, end: number, copy: boolean): void {
    const length = end - start;
    if (length === 0) return;
    // Nothing past the limit is ever needed: a trailing CR is tracked by `endsInCR`.
    const space = this.limits.maxLineBytes - this.heldBytes;
    if (space > 0) {
      const kept = Math.min(space, length);
      (this.held ??= []).push(copy ? chunk.slice(start, start + kept) : chunk.subarray(start, start + kept));
      this.heldBytes += kept;
    }
    this.lineBytes += length;
    this.endsInCR = chunk[end - 1] === CR;
  }

  private finishLine(sink: LineSink): boolean {
    const held = this.held ?? [];
    const bytes = held.length === 1 ? held[0]! : concatBytes(held, this.heldBytes);
    const length = this.lineBytes;
    const endsInCR = this.endsInCR;
    this.held = undefined;
    this.heldBytes = 0;
    this.lineBytes = 0;
    this.endsInCR = false;
    return this.emit(bytes, length, endsInCR, sink);
  }

  /**
   * `bytes` holds the start of a line of `length` bytes (all of it unless over the limit).
   * Returns whether framing goes on.
   */
  private emit(bytes: Uint8Array, length: number, endsInCR: boolean, sink: LineSink): boolean {
    if (endsInCR) length -= 1;
    if (length > this.limits.maxLineBytes) {
      sink.overlong(length);
      return true;
    }
    sink.line(length === 0 ? '' : decoder.decode(bytes.subarray(0, length)));
    return sink.framingStopped !== true;
  }
}
