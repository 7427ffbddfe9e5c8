// SHA-256 through the worker's shared ring: the same digest as hashing inline, whatever the
// chunk sizes — chunks that straddle the end of the ring, one larger than the whole ring, many
// small ones — and inline for small inputs.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBackgroundSha256 } from '../../src/runtime/node-hash-worker.ts';

const MiB = 1024 * 1024;

async function digestOf(chunks: Uint8Array[], expectedBytes?: number): Promise<string> {
  const hash = createBackgroundSha256(expectedBytes);
  for (const chunk of chunks) hash.update(chunk);
  return hash.digestHex();
}

describe('createBackgroundSha256', () => {
  it('hashes on a worker exactly as inline, across the ring end and past a whole ring, reusing the caller buffer', async () => {
    const data = randomBytes(40 * MiB + 3);
    const reused = Buffer.alloc(65_537);
    const expected = createHash('sha256').update(data).digest('hex');
    // Chunks of many sizes: 1 byte, 65,537 (never aligned with the ring), 5 MiB (more than the ring).
    const sizes = [1, 65_537, 5 * MiB, 3, 300_000, 7 * MiB + 1];
    const hash = createBackgroundSha256(data.length);
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = Math.min(sizes[i % sizes.length]!, data.length - at);
      if (size <= reused.length) {
        // The same buffer again and again: update must have copied what it was given.
        data.copy(reused, 0, at, at + size);
        hash.update(reused.subarray(0, size));
      } else {
        hash.update(data.subarray(at, at + size));
      }
      at += size;
    }
    expect(await hash.digestHex()).toBe(expected);
  });

  it('gives the empty digest for no bytes, and hashes small inputs inline alike', async () => {
    expect(await digestOf([], 0)).toBe(createHash('sha256').digest('hex'));
    expect(await digestOf([], 100 * MiB)).toBe(createHash('sha256').digest('hex'));
    expect(await digestOf([Buffer.from('abc')], 3)).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('refuses bytes after the digest, and can be closed without one', async () => {
    const hash = createBackgroundSha256(100 * MiB);
    hash.update(Buffer.from('x'));
    await hash.digestHex();
    expect(() => hash.update(Buffer.from('y'))).toThrow();
    const dropped = createBackgroundSha256(100 * MiB);
    dropped.update(randomBytes(1000));
    dropped.close();
  });
});
