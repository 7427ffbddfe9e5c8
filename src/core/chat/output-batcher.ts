// Output side of every chat connection. One OutputBatcher serves the whole server: lines for a
// connection are gathered during a tick and written once, so fan-out of many lines to hundreds
// of recipients costs one write (one system call) per recipient per tick.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import type { TcpConnection } from '../../runtime/types.ts';

const encoder = new TextEncoder();

/** One protocol line as the bytes that go on the wire (LF-terminated). */
export function encodeLine(line: string): Uint8Array {
  return encoder.encode(`${line}\n`);
}

export interface QueuedWriter {
  readonly connection: TcpConnection;
  /** Bytes gathered for this connection in the current tick; owned by the output batcher. */
  pending: Uint8Array[] | undefined;
  /** False once the connection is closing: nothing more is queued for it. */
  readonly writable: boolean;
  /** The connection's unsent bytes went over the budget. */
  sendQueueFull(): void;
}

/**
 * Writes to chat connections. Guarantees:
 * 1. `write` never blocks and never waits for a receiver: bytes go to the connection's own
 *    buffer, whose size is `connection.pendingWriteBytes`.
 * 2. Everything written to one connection in a tick leaves in order, in one connection write,
 *    in a microtask: many lines from one read cost one system call per recipient.
 * 3. Bytes are never copied per recipient. A line for many users is encoded once; when several
 *    lines went to many users in one tick, the recipients that got the same lines share one
 *    concatenation.
 * 4. After its write, a connection with more than `maxBytes` unsent is reported through
 *    `sendQueueFull` (which sends a final ERROR line and closes it). Measuring after the write
 *    counts what the kernel refused, not what this tick has just produced.
 * 5. Writes to a writer that is no longer `writable` are dropped; `flushWriter` first writes
 *    out what is pending, so a final line sent on close comes after everything before it.
 */
export class OutputBatcher {
  private batch: QueuedWriter[] = [];
  private spare: QueuedWriter[] = [];
  private scheduled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly schedule: (callback: () => void) => void = queueMicrotask,
  ) {}

  write(writer: QueuedWriter, bytes: Uint8Array): void {
    if (!writer.writable) return;
    if (writer.pending) {
      writer.pending.push(bytes);
      return;
    }
    writer.pending = [bytes];
    this.batch.push(writer);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flush);
    }
  }

  /** Write what `writer` has pending right now (before its connection is ended). */
  flushWriter(writer: QueuedWriter): void {
    const parts = writer.pending;
    if (!parts) return;
    writer.pending = undefined;
    writer.connection.write(parts.length === 1 ? parts[0]! : concatBytes(parts));
  }

  /** Write everything gathered since the last flush; runs by itself in a microtask. */
  readonly flush = (): void => {
    this.scheduled = false;
    // Swap lists: a writer reported full makes the server tell the others, and those writes
    // start the next batch.
    const batch = this.batch;
    this.batch = this.spare;
    let sharedParts: Uint8Array[] | undefined;
    let sharedBytes: Uint8Array | undefined;
    for (const writer of batch) {
      const parts = writer.pending;
      if (!parts) continue;
      writer.pending = undefined;
      if (!writer.writable) continue;
      let bytes: Uint8Array;
      if (parts.length === 1) bytes = parts[0]!;
      else if (sharedParts && sameParts(parts, sharedParts)) bytes = sharedBytes!;
      else {
        bytes = concatBytes(parts);
        sharedParts = parts;
        sharedBytes = bytes;
      }
      writer.connection.write(bytes);
      if (writer.connection.pendingWriteBytes > this.maxBytes) writer.sendQueueFull();
    }
    batch.length = 0;
    this.spare = batch;
  };
}

function sameParts(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
