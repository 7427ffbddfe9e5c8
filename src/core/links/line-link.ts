// A line link: one connection seen as lines in and lines out, whatever carries it. Server
// sessions and the chat client speak only to this interface, so TCP, TLS and WebSocket are one
// file each (`tcp-line-link.ts`, …) and the code above never knows which one it has.
//
// Guarantees every implementation keeps:
//  1. Input is delivered as whole lines, in order, decoded as UTF-8 (invalid bytes U+FFFD),
//     within the limits given; a line over `maxLineBytes` is reported by length and dropped;
//     more than `maxUnterminatedBytes` without a line end is reported once.
//  2. `write` never blocks and never copies: the same bytes may go to many links at once (the
//     output batcher shares one encoded buffer among all recipients of a line).
//  3. `pendingOutputBytes` counts every byte accepted and not yet handed to the transport,
//     so a sender can judge a slow reader by bytes, not by messages.
//  4. `end(finalLine)` sends everything already written, then the final line, then closes our
//     side; `closed` on the handler fires exactly once, after which nothing more arrives.
import type { LineDecoderLimits } from '../../protocol/shared/line-decoder.ts';
import type { SocketAddress } from '../../runtime/types.ts';

/** What a link reports; a session or a client implements it (methods, not closures: one object per connection). */
export interface LineLinkHandler {
  /** One complete line, without its line end. */
  line(text: string): void;
  /** A complete line over `maxLineBytes` arrived and was dropped; `bytes` is its length. */
  overlong(bytes: number): void;
  /** More than `maxUnterminatedBytes` arrived without a line end: the peer is broken. */
  inputOverflow(): void;
  /** The peer will send nothing more (TCP half-close); the link can still be written. */
  peerEnded(): void;
  /** Fully closed; fired exactly once. `hadError`: it broke (reset) rather than ended. */
  closed(hadError: boolean): void;
  /** The transport's error, before `closed(true)`. Only links whose handler has it listen for errors. */
  error?(error: Error): void;
}

/** Where raw input goes once a link stops framing lines (an upload after its command line). */
export interface RawInputSink {
  /** The next bytes from the peer, in order; the first call may be the rest of the command line's chunk. */
  data(bytes: Uint8Array): void;
  /** The peer half-closed: the raw input is complete. */
  end(): void;
}

/** Raw bytes written on a link (a download after its header line); lines wait meanwhile. */
export interface RawOutput {
  /** Queue bytes; false once the transport's buffer is over its mark: wait for the drain callback. */
  write(bytes: Uint8Array): boolean;
  /** Raw output is done: the lines written meanwhile leave now, in order. */
  end(): void;
}

export interface LineLink {
  readonly remote: SocketAddress;
  /** Whether the transport is encrypted (TLS, wss); false for plain TCP. */
  readonly encrypted: boolean;
  /** Bytes written and not yet handed to the transport, lines held behind raw output included. */
  readonly pendingOutputBytes: number;
  /** Start delivering to `handler`; called once, right after construction. */
  attach(handler: LineLinkHandler): void;
  /** One or more whole lines, each ending in LF, as `encodeLine` makes them. Never copied. */
  write(lines: Uint8Array): boolean;
  writeLine(line: string): boolean;
  /** Send what is written, then `finalLine` if given, then close our side. */
  end(finalLine?: string): void;
  /** Close now, dropping anything unsent. */
  destroy(): void;
  /** Stop reading from the peer (lines already received are still delivered). */
  pause(): void;
  resume(): void;
  /** New input limits, from the next line on; call between lines (from inside `line`). */
  setInputLimits(limits: LineDecoderLimits): void;
  /**
   * Stop framing lines: every byte after the current line — the rest of the chunk it came in
   * included — and all that follow go to `sink` until the peer half-closes. Call it from
   * inside `line` (or with no partial line received); it cannot be undone. With
   * `readBufferBytes`, the transport reads into one buffer of that size from now on where it
   * can, and says so with true: chunks after the first are then valid only during `sink.data`.
   */
  startRawInput(sink: RawInputSink, readBufferBytes?: number): boolean;
  /**
   * Write raw bytes until `end()`; lines written meanwhile are held (and counted in
   * `pendingOutputBytes`) and follow the raw bytes. `onDrain` runs when the transport can take
   * more. `end(finalLine)` on the link during raw output ends the raw output first.
   */
  startRawOutput(onDrain: () => void): RawOutput;
}

const encoder = new TextEncoder();

/** One protocol line as the bytes a link sends (LF-terminated). */
export function encodeLine(line: string): Uint8Array {
  return encoder.encode(`${line}\n`);
}

/** Several lines as one buffer, for one write. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  return encoder.encode(`${lines.join('\n')}\n`);
}
