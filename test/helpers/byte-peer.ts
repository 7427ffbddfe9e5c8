// A raw TCP test peer that reads a stream as an `nc` or Python user would: a line, then exactly
// N bytes, then lines again. Waits on events, never sleeps.
import net from 'node:net';

export class BytePeer {
  closed = false;
  // Received chunks are joined only when read: joining on every chunk would copy a large
  // download over and over (quadratic, and slow enough to time out on a busy machine).
  private chunks: Buffer[] = [];
  private received = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.wake();
    });
    // The server's FIN ends what it will send (this side may stay open, as `nc -N` does).
    socket.on('end', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<BytePeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? true }, () => resolve(new BytePeer(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Uint8Array): boolean {
    return this.socket.write(data);
  }

  /** Half-close, as `nc -N` does at the end of its input. */
  end(data?: string | Uint8Array): void {
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.received;
  }

  /** What is received and not yet taken, as one buffer. */
  private get buffer(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private set buffer(rest: Buffer) {
    this.chunks = rest.length > 0 ? [rest] : [];
    this.received = rest.length;
  }

  /** The next line (without its LF). */
  line(timeoutMs = 10_000): Promise<string> {
    return this.take(() => {
      const lf = this.buffer.indexOf(0x0a);
      if (lf === -1) return undefined;
      const line = this.buffer.subarray(0, lf).toString('utf8');
      this.buffer = this.buffer.subarray(lf + 1);
      return line;
    }, timeoutMs, 'a line');
  }

  /** The next line that matches, skipping others. */
  async lineMatching(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    for (;;) {
      const line = await this.line(timeoutMs);
      if (pattern.test(line)) return line;
    }
  }

  /** Exactly `count` bytes. */
  bytes(count: number, timeoutMs = 30_000): Promise<Buffer> {
    return this.take(() => {
      if (this.received < count) return undefined;
      const bytes = Buffer.from(this.buffer.subarray(0, count));
      this.buffer = this.buffer.subarray(count);
      return bytes;
    }, timeoutMs, `${count} bytes`);
  }

  waitForClose(timeoutMs = 10_000): Promise<void> {
    return this.take(() => (this.closed ? true : undefined), timeoutMs, 'the close').then(() => {});
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take<T>(attempt: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; buffered: ${JSON.stringify(this.buffer.subarray(0, 200).toString())}`)),
        timeoutMs,
      );
      const check = () => {
        const value = attempt();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.closed) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${what}; buffered: ${JSON.stringify(this.buffer.subarray(0, 200).toString())}`));
        } else this.waiters.push(check);
      };
      check();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
