// The memory store's FileWriter: the same backpressure as the real one (a queue that reaches the
// "disk" a microtask later, `write` false at the high-water mark), and ENOSPC when the store's
// capacity runs out, after writing what fitted.
import { runtimeError } from '../../src/runtime/runtime-errors.ts';
import type { FileWriter } from '../../src/runtime/types.ts';
import { fsError, type MemoryFileStore, type MemoryNode } from './memory-file-store.ts';

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export class MemoryFileWriter implements FileWriter {
  readonly startSize: number;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private written = 0;
  private failure: Error | undefined;
  private closing = false;
  private flushQueued = false;
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(
    private readonly store: MemoryFileStore,
    private readonly node: Extract<MemoryNode, { kind: 'file' }>,
    readonly path: string,
    private readonly highWaterMark = DEFAULT_HIGH_WATER_MARK,
    private readonly unlink: () => void,
  ) {
    this.startSize = node.data.length;
  }

  get bytesWritten(): number {
    return this.written;
  }

  get pendingBytes(): number {
    return this.queuedBytes;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closing || this.failure) return false;
    if (chunk.length > 0) {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
    }
    return this.queuedBytes < this.highWaterMark;
  }

  drained(maxPendingBytes = 0): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    // Every flush writes the whole queue, so a waiter's mark is met only at zero.
    if (this.queuedBytes <= maxPendingBytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.drained();
  }

  async abort(): Promise<void> {
    this.closing = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.unlink();
    this.settle(runtimeError('FILE_WRITER_CLOSED', `writing ${this.path} was aborted`));
  }

  private flush(): void {
    this.flushQueued = false;
    const chunks = this.queue;
    if (chunks.length === 0) return; // aborted meanwhile
    this.queue = [];
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    const room = this.store.capacityBytes - this.store.usedBytes;
    const fits = Math.max(0, Math.min(size, room));
    const data = new Uint8Array(this.node.data.length + fits);
    data.set(this.node.data);
    let at = this.node.data.length;
    for (const chunk of chunks) {
      const part = chunk.subarray(0, Math.min(chunk.length, data.length - at));
      data.set(part, at);
      at += part.length;
    }
    this.node.data = data;
    this.node.mtimeMs = this.store.now();
    this.written += fits;
    this.queuedBytes -= size;
    if (fits < size) {
      this.failure = fsError('ENOSPC', 'write', this.path);
      this.queuedBytes = 0;
      this.settle(this.failure);
    } else if (this.queuedBytes === 0) this.settle();
  }

  private settle(error?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }
}
