// What the contract cannot set up everywhere: FIFOs, a file changing while it is hashed, and a
// write that fails half-way (a file-size limit standing in for a full disk).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NodeFileReader } from '../../src/runtime/node-file-reader.ts';
import { nodeFileStore as files } from '../../src/runtime/node-files.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const unix = process.platform !== 'win32';

async function temporaryDirectory(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-files-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('node file store', () => {
  it.skipIf(!unix)('lists a FIFO as other and refuses to open it, without waiting for a writer', async () => {
    const dir = await temporaryDirectory();
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const entries = [];
    for await (const entry of files.list(dir)) entries.push(entry);
    expect(entries).toEqual([expect.objectContaining({ name: 'pipe', kind: 'other' })]);
    await expect(files.openRead(fifo)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    // Nobody reads the FIFO: opening it to write fails at once (ENXIO) rather than blocking.
    await expect(files.openWrite(fifo, { mode: 'append' })).rejects.toMatchObject({ code: expect.stringMatching(/^(ENXIO|FILE_NOT_REGULAR)$/) });
  });

  it('reads into a spare buffer the consumer gives back, and into a new one when the spare is too small', async () => {
    const file = path.join(await temporaryDirectory(), 'data');
    const bytes = Buffer.from(Array.from({ length: 250 }, (_, i) => i));
    await fs.writeFile(file, bytes);
    const reader = await NodeFileReader.open(file);
    onTestFinished(() => reader.close());
    const mine = new Uint8Array(100);
    const small = new Uint8Array(99);
    const offered = [mine, small, undefined];
    const chunks: Uint8Array[] = [];
    for await (const chunk of reader.chunks({ chunkBytes: 100, spare: () => offered.shift() })) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks)).toEqual(bytes);
    expect(chunks.map((chunk) => chunk.length)).toEqual([100, 100, 50]);
    // The first chunk was read into `mine`; `small` could not take 100 bytes.
    expect(Buffer.from(mine)).toEqual(bytes.subarray(0, 100));
    expect(small.every((byte) => byte === 0)).toBe(true);
  });

  it('lists a folder of more entries than one batch, each with its stat, and skips one removed meanwhile', async () => {
    const dir = await temporaryDirectory();
    const names = Array.from({ length: 300 }, (_, i) => `f${String(i).padStart(3, '0')}`);
    for (const [i, name] of names.entries()) await fs.writeFile(path.join(dir, name), 'x'.repeat(i));
    const seen = new Map<string, number>();
    for await (const entry of files.list(dir)) {
      seen.set(entry.name, entry.size);
      // Removed after the directory was read but (most likely) before its lstat.
      if (seen.size === 1) await fs.rm(path.join(dir, 'f299'), { force: true });
    }
    for (const [i, name] of names.entries()) if (name !== 'f299') expect(seen.get(name)).toBe(i);
    expect(seen.size).toBeGreaterThanOrEqual(299);
  });

  it('says FILE_CHANGED when a file grows while it is hashed', async () => {
    const file = path.join(await temporaryDirectory(), 'growing');
    await fs.writeFile(file, 'before');
    const reader = await NodeFileReader.open(file);
    onTestFinished(() => reader.close());
    await fs.appendFile(file, ' and after');
    await expect(reader.sha256()).rejects.toMatchObject({ code: 'FILE_CHANGED' });
  });

  describe.skipIf(!unix)('a write that fails half-way keeps its errno code', () => {
    for (const runtime of ['bun', 'deno'] as const) {
      it(`under ${runtime}`, async () => {
        const target = path.join(await temporaryDirectory(), 'limited');
        const binary = path.join(ROOT, 'node_modules/.bin', runtime);
        const script = path.join(ROOT, 'test/runtime/fixtures/write-past-file-size-limit.ts');
        const command = runtime === 'bun' ? [binary, script, target] : [binary, 'run', '-A', script, target];
        const run = spawnSync('bash', ['-c', 'trap "" XFSZ; ulimit -f 1; exec "$@"', 'bash', ...command], { cwd: ROOT, encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(JSON.parse(run.stdout)).toEqual({ drained: 'EFBIG', writeAfterFailure: false, closed: 'EFBIG' });
        expect((await fs.stat(target)).size).toBeLessThanOrEqual(1024);
      });
    }
  });
});
