// Output side of every chat connection. One OutputBatcher serves the whole server: lines for a
// connection are gathered during a tick and written once, so fan-out of many lines to hundreds
// of recipients costs one write (one system call) per recipient per tick.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import type { LineLink } from '../links/line-link.ts';

/** A connection as the batcher sees it (a server session). */
export interface BatchRecipient {
  readonly link: LineLink;
  /** Lines gathered for this connection in the current tick; owned by the output batcher. */
  batched: Uint8Array[] | undefined;
  /** False once the connection is closing: nothing more is queued for it. */
  readonly writable: boolean;
  /** The connection's unsent bytes went over the budget. */
  sendQueueFull(): void;
}

/**
 * Writes to chat connections. Guarantees:
 * 1. `write` never blocks and never waits for a receiver: bytes go to the link's own
 *    buffer, whose size is `link.pendingOutputBytes`.
 * 2. Everything written to one connection in a tick leaves in order, in one link write,
 *    in a microtask: many lines from one read cost one system call per recipient.
 * 3. Bytes are never copied per recipient. A line for many users is encoded once; when several
 *    lines went to many users in one tick, the recipients that got the same lines share one
 *    concatenation.
 * 4. After its write, a connection with more than `maxBytes` unsent is reported through
 *    `sendQueueFull` (which sends a final ERROR line and closes it). Measuring after the write
 *    counts what the kernel refused, not what this tick has just produced.
 * 5. Writes to a recipient that is no longer `writable` are dropped; `flushRecipient` first writes
 *    out what is batched, so a final line sent on close comes after everything before it.
 */
export class OutputBatcher {
  private batch: BatchRecipient[] = [];
  private spare: BatchRecipient[] = [];
  private scheduled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly schedule: (callback: () => void) => void = queueMicrotask,
  ) {}

  write(recipient: BatchRecipient, bytes: Uint8Array): void {
    if (!recipient.writable) return;
    if (recipient.batched) {
      recipient.batched.push(bytes);
      return;
    }
    recipient.batched = [bytes];
    this.batch.push(recipient);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flush);
    }
  }

  /** Write what `recipient` has batched right now (before its link is ended). */
  flushRecipient(recipient: BatchRecipient): void {
    const parts = recipient.batched;
    if (!parts) return;
    recipient.batched = undefined;
    recipient.link.write(parts.length === 1 ? parts[0]! : concatBytes(parts));
  }

  /** Write everything gathered since the last flush; runs by itself in a microtask. */
  readonly flush = (): void => {
    this.scheduled = false;
    // Swap lists: a recipient reported full makes the server tell the others, and those writes
    // start the next batch.
    const batch = this.batch;
    this.batch = this.spare;
    let sharedParts: Uint8Array[] | undefined;
    let sharedBytes: Uint8Array | undefined;
    for (const recipient of batch) {
      const parts = recipient.batched;
      if (!parts) continue;
      recipient.batched = undefined;
      if (!recipient.writable) continue;
      let bytes: Uint8Array;
      if (parts.length === 1) bytes = parts[0]!;
      else if (sharedParts && sameParts(parts, sharedParts)) bytes = sharedBytes!;
      else {
        bytes = concatBytes(parts);
        sharedParts = parts;
        sharedBytes = bytes;
      }
      recipient.link.write(bytes);
      if (recipient.link.pendingOutputBytes > this.maxBytes) recipient.sendQueueFull();
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
