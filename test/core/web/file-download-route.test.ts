// The HTTP download route fills its read buffers again only once the runtime says it let go of
// them: a response that keeps every chunk by reference and releases late must still see the
// file's bytes, byte for byte, in every chunk it was handed.
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendFile } from '../../../src/core/web/file-download-route.ts';
import type { HttpRequest, HttpResponse } from '../../../src/runtime/http-types.ts';
import { openRealFileService } from '../../helpers/real-file-service.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-download-route-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A copy (a Buffer's `slice` is a view, not a copy). */
const copyOf = (bytes: Uint8Array) => new Uint8Array(bytes);

/** A response that keeps what it is given by reference, and releases it only when told. */
class HoldingResponse implements HttpResponse {
  readonly written: Uint8Array[] = [];
  /** A copy of each chunk as it was when written. */
  readonly copies: Uint8Array[] = [];
  /** Chunks whose bytes changed while the response still held them. */
  changedWhileHeld = 0;
  private readonly unreleased: Array<() => void> = [];
  private held: Array<{ bytes: Uint8Array; copy: Uint8Array }> = [];
  private drainListeners: Array<() => void> = [];
  closed = false;
  status = 0;
  constructor(private readonly releaseEvery: number) {}
  writeHead(status: number): void {
    this.status = status;
  }
  write(bytes: Uint8Array, onReleased?: () => void): boolean {
    this.written.push(bytes);
    this.copies.push(copyOf(bytes));
    this.held.push({ bytes, copy: copyOf(bytes) });
    if (onReleased) this.unreleased.push(onReleased);
    // Every few chunks the "socket" catches up: it lets go of all it held, then drains.
    if (this.written.length % this.releaseEvery !== 0) return true;
    queueMicrotask(() => {
      // What a socket would send now: the bytes as they are when it gets to them.
      for (const { bytes, copy } of this.held.splice(0)) if (!bytes.every((byte, i) => byte === copy[i])) this.changedWhileHeld++;
      for (const release of this.unreleased.splice(0)) release();
      for (const listener of this.drainListeners) listener();
    });
    return false;
  }
  end(bytes?: Uint8Array | string): void {
    if (bytes !== undefined) this.written.push(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
  }
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }
  onClose(): void {}
}

const request = (headers: Record<string, string> = {}): HttpRequest =>
  ({ method: 'GET', headers, remote: { address: '127.0.0.1', port: 1, family: 'IPv4' } }) as unknown as HttpRequest;

describe('sendFile', () => {
  it.each([1, 3])('never refills a chunk the response still holds (released every %i chunks)', async (releaseEvery) => {
    const shared = path.join(dir, 'shared');
    await fs.mkdir(shared);
    const content = randomBytes(6 * 1024 * 1024 + 321);
    await fs.writeFile(path.join(shared, 'big.bin'), content);
    const service = await openRealFileService(shared, { uploadsEnabled: false });
    const response = new HoldingResponse(releaseEvery);
    await sendFile(service, 'big.bin', request(), response);
    expect(response.status).toBe(200);
    expect(response.closed).toBe(true);
    const digest = (chunks: Uint8Array[]) => chunks.reduce((hash, chunk) => hash.update(chunk), createHash('sha256')).digest('hex');
    const expected = createHash('sha256').update(content).digest('hex');
    expect(digest(response.copies)).toBe(expected);
    expect(response.changedWhileHeld).toBe(0);
    // The buffers were in fact used again (fewer distinct buffers than chunks).
    expect(new Set(response.written.map((chunk) => chunk.buffer)).size).toBeLessThan(response.written.length);
  });

  it('answers 429 TOO_MANY_TRANSFERS, head and body, when the downloader has no transfer slot left', async () => {
    const shared = path.join(dir, 'shared');
    await fs.mkdir(shared);
    await fs.writeFile(path.join(shared, 'a.bin'), 'abc');
    const service = await openRealFileService(shared, { uploadsEnabled: false, limits: { maxTransfersPerUser: 1 } });
    const release = service.acquireSlot({ address: '127.0.0.1' });
    expect(release).toBeTypeOf('function');
    const refused = new HoldingResponse(1);
    await sendFile(service, 'a.bin', request(), refused);
    expect(refused.status).toBe(429);
    expect(new TextDecoder().decode(Buffer.concat(refused.written))).toMatch(/"error":"TOO_MANY_TRANSFERS"/);
    release!();
    const served = new HoldingResponse(1);
    await sendFile(service, 'a.bin', request(), served);
    expect(served.status).toBe(200);
  });
});
