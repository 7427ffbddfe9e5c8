import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveFilesLimits } from '../../../src/core/files/files-limits.ts';
import { IncomingUpload } from '../../../src/core/files/incoming-upload.ts';
import { PARTIAL_PREFIX, SharedFolder } from '../../../src/core/files/shared-folder.ts';
import { getRuntime, type FileStore } from '../../../src/runtime/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const nodeFolderStore = getRuntime().files;
type FolderStore = FileStore;

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
let counter = 0;
const randomHex = (bytes: number) => (counter++).toString(16).padStart(bytes * 2, '0');

let dir: string;
let shared: string;
let clock: FakeClock;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-shared-'));
  shared = path.join(dir, 'SharedFiles');
  clock = new FakeClock();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function openFolder(store: FolderStore = nodeFolderStore): Promise<SharedFolder> {
  const folder = new SharedFolder(store, shared, clock, randomHex, () => getRuntime().sha256());
  await folder.open();
  return folder;
}

async function visible(): Promise<string[]> {
  return (await fs.readdir(shared)).sort();
}

describe('SharedFolder index and listing', () => {
  it('creates the folder, removes partial uploads left by a crash, and lists only plain shareable files', async () => {
    await fs.mkdir(shared, { recursive: true });
    await fs.writeFile(path.join(shared, 'b.txt'), 'bb');
    await fs.writeFile(path.join(shared, 'a report.csv'), 'a');
    await fs.writeFile(path.join(shared, '.hidden'), 'secret');
    await fs.writeFile(path.join(shared, `${PARTIAL_PREFIX}dead.part`), 'half');
    await fs.mkdir(path.join(shared, 'subdir'));
    await fs.writeFile(path.join(dir, 'outside.txt'), 'outside');
    await fs.symlink(path.join(dir, 'outside.txt'), path.join(shared, 'escape.txt'));
    await fs.symlink(path.join(shared, 'b.txt'), path.join(shared, 'inside-link.txt'));
    await fs.symlink(path.join(shared, '.hidden'), path.join(shared, 'to-hidden.txt'));
    const folder = await openFolder();
    expect(folder.page(undefined, 10).entries.map((e) => e.name)).toEqual(['a report.csv', 'b.txt', 'inside-link.txt']);
    expect(await visible()).not.toContain(`${PARTIAL_PREFIX}dead.part`);
    expect(folder.page(undefined, 10).entries[1]).toMatchObject({ name: 'b.txt', size: 2 });
  });

  it('pages by name and says where to continue', async () => {
    await fs.mkdir(shared, { recursive: true });
    for (let i = 0; i < 7; i++) await fs.writeFile(path.join(shared, `f${i}`), String(i));
    const folder = await openFolder();
    const first = folder.page(undefined, 3);
    expect(first).toMatchObject({ total: 7, continueAfter: 'f2' });
    expect(first.entries.map((e) => e.name)).toEqual(['f0', 'f1', 'f2']);
    const second = folder.page('f2', 3);
    expect(second.entries.map((e) => e.name)).toEqual(['f3', 'f4', 'f5']);
    const last = folder.page('f5', 3);
    expect(last.entries.map((e) => e.name)).toEqual(['f6']);
    expect(last.continueAfter).toBeUndefined();
    // A cursor that no longer exists still continues after it.
    expect(folder.page('f35', 3).entries.map((e) => e.name)).toEqual(['f4', 'f5', 'f6']);
    expect(folder.page(undefined, 7).continueAfter).toBeUndefined();
  });

  it('sees files added by hand after a rescan, without waiting for it', async () => {
    const folder = await openFolder();
    await fs.writeFile(path.join(shared, 'late.txt'), 'x');
    folder.refreshSoon();
    expect(folder.fileCount).toBe(0); // too soon: the index is fresh
    clock.advance(5_000);
    folder.refreshSoon();
    await expect.poll(() => folder.fileCount).toBe(1);
  });
});

describe('SharedFolder.resolve', () => {
  it.each(['../outside.txt', '/etc/passwd', 'sub/x', 'sub\\x', '.hidden', 'a\u0000b', 'CON', '..'])(
    'refuses the name %j',
    async (name) => {
      const folder = await openFolder();
      expect(await folder.resolve(name)).toBe('FILE_NAME_INVALID');
    },
  );

  it('finds plain files and links inside; not links out, directories or missing files', async () => {
    await fs.mkdir(path.join(shared, 'dir'), { recursive: true });
    await fs.writeFile(path.join(shared, 'plain.txt'), 'plain');
    await fs.writeFile(path.join(dir, 'outside.txt'), 'outside');
    await fs.symlink(path.join(dir, 'outside.txt'), path.join(shared, 'escape.txt'));
    await fs.symlink('plain.txt', path.join(shared, 'alias.txt'));
    const folder = await openFolder();
    expect(await folder.resolve('plain.txt')).toMatchObject({ name: 'plain.txt', size: 5 });
    expect(await folder.resolve('alias.txt')).toMatchObject({ name: 'alias.txt', size: 5, path: await fs.realpath(path.join(shared, 'plain.txt')) });
    expect(await folder.resolve('escape.txt')).toBe('NO_SUCH_FILE');
    expect(await folder.resolve('dir')).toBe('NO_SUCH_FILE');
    expect(await folder.resolve('missing.txt')).toBe('NO_SUCH_FILE');
  });
});

describe('SharedFolder.sha256', () => {
  it('reads a file once, and again only after it changed', async () => {
    await fs.mkdir(shared, { recursive: true });
    await fs.writeFile(path.join(shared, 'data.bin'), 'version one');
    let reads = 0;
    const counting: FolderStore = {
      ...nodeFolderStore,
      sha256: (...args: Parameters<FileStore['sha256']>) => {
        reads++;
        return nodeFolderStore.sha256(...args);
      },
    };
    const folder = await openFolder(counting);
    const first = (await folder.resolve('data.bin')) as Exclude<Awaited<ReturnType<SharedFolder['resolve']>>, string>;
    expect(await folder.sha256(first)).toBe(sha('version one'));
    expect(await folder.sha256((await folder.resolve('data.bin')) as typeof first)).toBe(sha('version one'));
    expect(reads).toBe(1);
    await fs.writeFile(path.join(shared, 'data.bin'), 'version two, longer');
    expect(await folder.sha256((await folder.resolve('data.bin')) as typeof first)).toBe(sha('version two, longer'));
    expect(reads).toBe(2);
  });

  it('reads it again when another file of the same size and modification time took its name', async () => {
    await fs.mkdir(shared, { recursive: true });
    const when = new Date('2026-01-01T00:00:00Z');
    await fs.writeFile(path.join(shared, 'same.txt'), 'AAAA');
    await fs.utimes(path.join(shared, 'same.txt'), when, when);
    const folder = await openFolder();
    const resolved = async () => (await folder.resolve('same.txt')) as Exclude<Awaited<ReturnType<SharedFolder['resolve']>>, string>;
    const before = await resolved();
    expect(await folder.sha256(before)).toBe(sha('AAAA'));
    await fs.writeFile(path.join(dir, 'replacement.txt'), 'BBBB');
    await fs.utimes(path.join(dir, 'replacement.txt'), when, when);
    await fs.rename(path.join(dir, 'replacement.txt'), path.join(shared, 'same.txt'));
    expect(await folder.unchanged(before)).toBe(false);
    expect(await folder.sha256(await resolved())).toBe(sha('BBBB'));
  });
});

describe('IncomingUpload', () => {
  const limits = resolveFilesLimits({ maxUploadBytes: 1000, minFreeDiskBytes: 0 });

  async function upload(folder: SharedFolder, name: string, chunks: Uint8Array[], declared?: { size: number; sha256: string }) {
    const upload = await IncomingUpload.begin(folder, limits, { name, ...(declared && { declared }) });
    if (!(upload instanceof IncomingUpload)) return upload;
    for (const chunk of chunks) await upload.write(chunk);
    return upload.finish();
  }

  it('stores a declared upload under its name once size and hash check, never replacing a file', async () => {
    const folder = await openFolder();
    const bytes = randomBytes(700);
    const declared = { size: 700, sha256: sha(bytes) };
    expect(await upload(folder, 'report.csv', [bytes.subarray(0, 1), bytes.subarray(1)], declared)).toEqual({
      stored: { size: 700, sha256: declared.sha256, name: 'report.csv' },
    });
    expect(await upload(folder, 'report.csv', [bytes], declared)).toMatchObject({ stored: { name: 'report (1).csv' } });
    expect(await upload(folder, 'report.csv', [bytes], declared)).toMatchObject({ stored: { name: 'report (2).csv' } });
    expect(await visible()).toEqual(['report (1).csv', 'report (2).csv', 'report.csv']);
    expect(await fs.readFile(path.join(shared, 'report (2).csv'))).toEqual(bytes);
    expect(folder.page(undefined, 10).total).toBe(3);
  });

  it('keeps nothing of a corrupt, short or oversized upload', async () => {
    const folder = await openFolder();
    const bytes = randomBytes(100);
    expect(await upload(folder, 'x.bin', [bytes], { size: 100, sha256: sha('other') })).toMatchObject({ code: 'UPLOAD_CORRUPT' });
    expect(await upload(folder, 'x.bin', [bytes.subarray(0, 99)], { size: 100, sha256: sha(bytes) })).toMatchObject({
      code: 'UPLOAD_INCOMPLETE',
    });
    expect(await upload(folder, 'x.bin', [], { size: 1001, sha256: sha(bytes) })).toMatchObject({ code: 'FILE_TOO_LARGE' });
    // A raw upload is judged as it arrives: one byte past the limit is too many.
    expect(await upload(folder, 'x.bin', [randomBytes(1000)])).toMatchObject({ stored: { size: 1000 } });
    expect(await upload(folder, 'y.bin', [randomBytes(600), randomBytes(401)])).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(await visible()).toEqual(['x.bin']);
  });

  it('refuses bad names and uploads that would eat the free-disk reserve, before writing anything', async () => {
    const tight: FolderStore = { ...nodeFolderStore, freeBytes: async () => 10_000 };
    const folder = await openFolder(tight);
    const reserve = resolveFilesLimits({ maxUploadBytes: 100_000, minFreeDiskBytes: 5_000 });
    expect(await IncomingUpload.begin(folder, reserve, { name: '../evil', declared: { size: 1, sha256: sha('x') } })).toMatchObject({
      code: 'FILE_NAME_INVALID',
    });
    expect(await IncomingUpload.begin(folder, reserve, { name: 'big', declared: { size: 5_001, sha256: sha('x') } })).toMatchObject({
      code: 'DISK_FULL',
    });
    const fits = await IncomingUpload.begin(folder, reserve, { name: 'fits', declared: { size: 5_000, sha256: sha('x') } });
    expect(fits).toBeInstanceOf(IncomingUpload);
    await (fits as IncomingUpload).abort();
    expect(await visible()).toEqual([]);
  });

  it('reports a full disk while writing as DISK_FULL and removes the partial file', async () => {
    const noSpace = () => Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const full: FolderStore = {
      ...nodeFolderStore,
      async openWrite(file: string, options: Parameters<FileStore['openWrite']>[1]) {
        const writer = await nodeFolderStore.openWrite(file, options);
        return {
          get path() { return writer.path; },
          get startSize() { return writer.startSize; },
          get bytesWritten() { return writer.bytesWritten; },
          get pendingBytes() { return writer.pendingBytes; },
          write: () => false,
          drained: () => Promise.reject(noSpace()),
          close: () => writer.close(),
          abort: () => writer.abort(),
        };
      },
    };
    const folder = await openFolder(full);
    expect(await upload(folder, 'x.bin', [randomBytes(10)])).toMatchObject({ code: 'DISK_FULL' });
    expect(await visible()).toEqual([]);
  });
});
