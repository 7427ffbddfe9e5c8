// Output side of every chat connection. One SendQueue serves the whole server, so fan-out to
// hundreds of recipients costs one cork, one write per recipient and one uncork each.
import type { TcpConnection } from '../runtime/types.ts';

const encoder = new TextEncoder();

/** One protocol line as the bytes that go on the wire (LF-terminated). */
export function encodeLine(line: string): Uint8Array {
  return encoder.encode(`${line}\n`);
}

export interface QueuedWriter {
  readonly connection: TcpConnection;
  /** True while the send queue holds this connection corked for the current tick. */
  corked: boolean;
  /** False once the connection is closing: nothing more is queued for it. */
  readonly writable: boolean;
  /** The connection's unsent bytes went over the budget. Called at most once per tick. */
  sendQueueFull(): void;
}

/**
 * Writes to chat connections. Guarantees:
 * 1. `write` never blocks and never waits for a receiver: bytes are handed to the connection's
 *    own buffer, whose size is `connection.pendingWriteBytes`.
 * 2. The bytes given are written as they are, never copied per recipient: a line sent to many
 *    users is encoded once and the same Uint8Array goes to each.
 * 3. The first write to a connection in a tick corks it; one microtask uncorks every connection
 *    written in that tick, so many lines from one read leave in one system call per recipient.
 * 4. After the uncork, a connection with more than `maxBytes` unsent is reported through
 *    `sendQueueFull` (which sends a final ERROR line and closes it). Measuring after the uncork
 *    counts only what the kernel refused, not what this tick has just queued.
 * 5. Writes to a writer that is no longer `writable` are dropped.
 */
export class SendQueue {
  private corked: QueuedWriter[] = [];
  private spare: QueuedWriter[] = [];
  private scheduled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly schedule: (callback: () => void) => void = queueMicrotask,
  ) {}

  write(writer: QueuedWriter, bytes: Uint8Array): void {
    if (!writer.writable) return;
    if (!writer.corked) {
      writer.corked = true;
      writer.connection.cork();
      this.corked.push(writer);
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(this.flush);
      }
    }
    writer.connection.write(bytes);
  }

  /** Uncork everything written since the last flush; runs by itself in a microtask. */
  readonly flush = (): void => {
    this.scheduled = false;
    // Swap lists: a writer reported full may make the server write to others (the leave notice),
    // and those writes start the next batch.
    const batch = this.corked;
    this.corked = this.spare;
    for (const writer of batch) {
      writer.corked = false;
      writer.connection.uncork();
      if (writer.writable && writer.connection.pendingWriteBytes > this.maxBytes) writer.sendQueueFull();
    }
    batch.length = 0;
    this.spare = batch;
  };
}
