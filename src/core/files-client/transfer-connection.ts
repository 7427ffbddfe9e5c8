// The client end of one file transfer over TCP: a few protocol lines, then raw bytes one way or
// the other. Lines and bytes share one stream, so the reader hands over exactly the bytes after
// a line's LF to whoever reads raw next — nothing is decoded that is not a line.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import type { Runtime, TcpConnection } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import { formatHostPort } from '../shared/host-port.ts';

/** Why a transfer connection failed; `code` is stable (the client maps it to messages and exits). */
export class TransferError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The longest line a transfer connection reads (a header with a 255-byte name fits easily). */
const MAX_LINE_BYTES = 4096;
const LF = 0x0a;
/** ServerTrustError's codes (core/tls/server-trust.ts). */
const TLS_REFUSALS = new Set(['TLS_HOST_CHANGED', 'TLS_FINGERPRINT_MISMATCH', 'TLS_UNTRUSTED']);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class TransferConnection {
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private rawSink: ((chunk: Uint8Array) => void) | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private closedFlag = false;
  private failure: Error | undefined;

  private constructor(
    private readonly connection: TcpConnection,
    private readonly clock: Clock,
    private readonly idleTimeoutMs: number,
    /** Chunks are views of one reused read buffer: whatever outlives its data event is copied. */
    private readonly borrowed: boolean,
  ) {
    connection.on('data', (chunk) => this.onData(chunk));
    connection.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    connection.on('error', (error) => {
      this.failure ??= error;
    });
    connection.on('close', () => {
      this.closedFlag = true;
      this.wake?.();
    });
  }

  /**
   * Connect to the server. `target.signal`, once aborted, closes the connection: whatever the job
   * waits on fails (a download keeps what it wrote), and no connection opens after it.
   */
  static async open(
    runtime: Pick<Runtime, 'connectTcp'>,
    target: { host: string; port: number; connectTimeoutMs: number; idleTimeoutMs: number; signal?: AbortSignal },
    clock: Clock,
    options: { readBufferBytes?: number } = {},
  ): Promise<TransferConnection> {
    const stopped = () => new TransferError('STOPPED', 'the transfer was stopped');
    if (target.signal?.aborted) throw stopped();
    try {
      const connection = await runtime.connectTcp({
        host: target.host,
        port: target.port,
        timeoutMs: target.connectTimeoutMs,
        allowHalfOpen: true,
        ...(options.readBufferBytes && { readBufferBytes: options.readBufferBytes }),
      });
      const opened = new TransferConnection(connection, clock, target.idleTimeoutMs, options.readBufferBytes !== undefined);
      const { signal } = target;
      if (signal) {
        const stop = () => connection.destroy();
        signal.addEventListener('abort', stop, { once: true });
        connection.on('close', () => signal.removeEventListener('abort', stop));
      }
      return opened;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ECONNECT';
      // A TLS server whose certificate was refused keeps its own code: it is not unreachable.
      if (TLS_REFUSALS.has(code)) throw new TransferError(code, (error as Error).message);
      throw new TransferError('CONNECT_FAILED', `cannot connect to ${formatHostPort(target.host, target.port)}: ${code}`);
    }
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Whether the connection runs inside TLS. */
  get encrypted(): boolean {
    return this.connection.encrypted;
  }

  /** The server's IP address. */
  get remoteAddress(): string {
    return this.connection.remote.address;
  }

  /** Call `listener` once the connection is closed; returns the way to stop. */
  onClose(listener: () => void): () => void {
    const once = () => listener();
    this.connection.on('close', once);
    return () => this.connection.off('close', once);
  }

  /** Whether the server has said something (or closed) that nobody has read yet. */
  get hasInput(): boolean {
    return this.bufferedBytes > 0 || this.ended || this.closedFlag;
  }

  get pendingWriteBytes(): number {
    return this.connection.pendingWriteBytes;
  }

  writeLine(line: string): void {
    this.connection.write(encoder.encode(`${line}\n`));
  }

  /** Queue raw bytes; false when the send buffer is past its mark (await `drained`). */
  write(bytes: Uint8Array): boolean {
    return this.connection.write(bytes);
  }

  /** Resolves true once the send buffer drained, false if the connection closed first. */
  drained(): Promise<boolean> {
    if (this.closedFlag) return Promise.resolve(false);
    if (this.connection.pendingWriteBytes === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.connection.off('drain', onDrain);
        this.connection.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.connection.on('drain', onDrain);
      this.connection.on('close', onClose);
    });
  }

  /** Half-close: the server sees the end of what we send (a raw upload's end). */
  end(): void {
    this.connection.end();
  }

  destroy(): void {
    this.connection.destroy();
  }

  /** The next line from the server; throws TransferError when none comes in time or the connection ends. */
  async readLine(): Promise<string> {
    for (;;) {
      const line = this.takeLine();
      if (line !== undefined) return line;
      if (this.ended || this.closedFlag) {
        throw new TransferError('SERVER_CLOSED', this.failure ? `connection lost: ${this.failure.message}` : 'the server closed the connection');
      }
      if (this.bufferedBytes > MAX_LINE_BYTES) throw new TransferError('BAD_REPLY', 'the server sent an over-long line');
      if (!(await this.waitForInput())) throw new TransferError('TIMEOUT', `the server sent nothing for ${this.idleTimeoutMs / 1000} s`);
    }
  }

  /**
   * Read exactly `count` raw bytes, handing each chunk to `onChunk` as it arrives (which may
   * return a promise: reading pauses until it settles, so a slow disk slows the sender down, not
   * our memory). Chunks are handed over from the connection's own data events, without a promise
   * or a timer per chunk: one timer watches for a connection that goes quiet. On a connection
   * opened with `readBufferBytes` a chunk is valid only during its `onChunk` call.
   */
  readBytes(count: number, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let left = count;
      // Bytes that came in with the header line go first.
      const queue: Uint8Array[] = this.buffered.splice(0);
      this.bufferedBytes = 0;
      let waiting = false;
      let settled = false;
      let lastActivity = this.clock.now();
      let timer: unknown;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.rawSink = undefined;
        this.wake = undefined;
        this.clock.clearTimeout(timer);
        // Whatever follows the bytes (a line after them) is read as lines again.
        for (const chunk of queue) this.keep(chunk);
        if (error) reject(error);
        else resolve();
      };
      const pump = () => {
        while (!settled && !waiting) {
          if (left === 0) return finish();
          const chunk = queue.shift();
          if (!chunk) {
            if (this.ended || this.closedFlag) {
              finish(new TransferError('SERVER_CLOSED', `the connection ended ${left} bytes before the end of the file`));
            }
            return;
          }
          const take = chunk.length <= left ? chunk : chunk.subarray(0, left);
          if (take.length < chunk.length) queue.unshift(chunk.subarray(take.length));
          left -= take.length;
          lastActivity = this.clock.now();
          let pending: void | Promise<void>;
          try {
            pending = onChunk(take);
          } catch (error) {
            return finish(error);
          }
          if (pending) {
            waiting = true;
            this.connection.pause();
            pending.then(
              () => {
                waiting = false;
                this.connection.resume();
                pump();
              },
              (error: unknown) => {
                this.connection.resume();
                finish(error);
              },
            );
          }
        }
      };
      // Quiet for the idle timeout while waiting for bytes (not while the disk catches up): TIMEOUT.
      const watch = (delayMs: number) => {
        timer = this.clock.setTimeout(() => {
          if (settled) return;
          const now = this.clock.now();
          if (waiting) lastActivity = now;
          const quietMs = now - lastActivity;
          if (quietMs >= this.idleTimeoutMs) finish(new TransferError('TIMEOUT', `no data for ${this.idleTimeoutMs / 1000} s`));
          else watch(this.idleTimeoutMs - quietMs);
        }, delayMs);
      };
      this.rawSink = (chunk) => {
        queue.push(chunk);
        pump();
        // What this data event left waiting (reading paused, or bytes after the count) must outlive it.
        if (this.borrowed) for (let i = 0; i < queue.length; i++) if (queue[i]!.buffer === chunk.buffer) queue[i] = new Uint8Array(queue[i]!);
      };
      this.wake = pump;
      watch(this.idleTimeoutMs);
      pump();
    });
  }

  private onData(chunk: Uint8Array): void {
    if (this.rawSink) this.rawSink(chunk);
    else this.keep(chunk);
    this.wake?.();
  }

  private keep(chunk: Uint8Array): void {
    // A copy (`new Uint8Array(view)` copies; a Buffer's `slice` would not).
    this.buffered.push(this.borrowed ? new Uint8Array(chunk) : chunk);
    this.bufferedBytes += chunk.length;
  }

  private takeLine(): string | undefined {
    let seen = 0;
    for (let i = 0; i < this.buffered.length; i++) {
      const chunk = this.buffered[i]!;
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        seen += chunk.length;
        continue;
      }
      const parts = this.buffered.slice(0, i);
      parts.push(chunk.subarray(0, lf));
      const rest = chunk.subarray(lf + 1);
      this.buffered = rest.length > 0 ? [rest, ...this.buffered.slice(i + 1)] : this.buffered.slice(i + 1);
      this.bufferedBytes -= seen + lf + 1;
      const bytes = parts.length === 1 ? parts[0]! : concatBytes(parts);
      const text = decoder.decode(bytes);
      return text.endsWith('\r') ? text.slice(0, -1) : text;
    }
    return undefined;
  }

  /** Wait for data, the end, or the idle timeout; false on timeout. */
  private waitForInput(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, this.idleTimeoutMs);
      this.wake = () => {
        this.wake = undefined;
        this.clock.clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
