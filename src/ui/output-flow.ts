// The client reads from the server only as fast as it can write out what it read. Node and Bun
// keep in memory whatever a blocked pipe does not take (gigabytes, until ENOBUFS), so when a
// write to stdout or stderr is refused (`write` returns false) reading from the server pauses
// until that stream drains: the server's slow-reader limit then applies to the client, not its
// memory. (Deno blocks inside the write itself, which bounds memory just as well.)
//
// A stream that fails (EPIPE: its reader went away, as after `| head -1`) is written no more,
// never holds reading paused, and is reported once, so the command can leave quietly instead of
// dying of an unhandled error event.

/** What is paused while an output backs up: the chat client. */
export interface PausableReader {
  pauseReading(): void;
  resumeReading(): void;
}

/** The part of a Node writable stream (process.stdout, process.stderr) this needs. */
export interface OutputStream {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export class OutputFlow {
  private reader: PausableReader | undefined = undefined;
  private readonly blocked = new Set<OutputStream>();
  private readonly failed = new Set<OutputStream>();
  private paused = false;

  constructor(private readonly onFailed: (stream: OutputStream, error: Error) => void = () => {}) {}

  /** From now on pause `reader` while any output is backed up, and resume it once all drained. */
  control(reader: PausableReader): void {
    this.reader = reader;
    this.paused = false;
    this.update();
  }

  /** Whether `stream` failed (and so is no longer written). */
  hasFailed(stream: OutputStream): boolean {
    return this.failed.has(stream);
  }

  /** Watch `stream` for errors; returns the function that writes text to it under flow control. */
  writer(stream: OutputStream): (text: string) => void {
    stream.on('error', (error) => this.fail(stream, error));
    return (text) => {
      if (this.failed.has(stream)) return;
      let accepted: boolean;
      try {
        accepted = stream.write(text);
      } catch (error) {
        return this.fail(stream, error as Error);
      }
      if (accepted || this.blocked.has(stream) || this.failed.has(stream)) return;
      this.blocked.add(stream);
      stream.once('drain', () => {
        this.blocked.delete(stream);
        this.update();
      });
      this.update();
    };
  }

  private fail(stream: OutputStream, error: Error): void {
    if (this.failed.has(stream)) return;
    this.failed.add(stream);
    // A failed stream never drains: it must not keep reading paused.
    this.blocked.delete(stream);
    this.update();
    this.onFailed(stream, error);
  }

  private update(): void {
    const pause = this.blocked.size > 0;
    if (!this.reader || pause === this.paused) return;
    this.paused = pause;
    if (pause) this.reader.pauseReading();
    else this.reader.resumeReading();
  }
}
