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
