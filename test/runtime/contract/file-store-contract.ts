// The file store's behaviour, checked against files set up and read back around the store (the
// fixture), so the store is never its own witness.
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/runtime/types.ts';
import { pattern, rejectionOf, sameBytes } from './contract-peers.ts';

/** Direct access to what a store holds, for setting up and checking. */
export interface FileFixture {
  /** A new empty directory (absolute path), removed after the test. */
  directory(): Promise<string>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  symlink(target: string, path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

const codeOf = async (promise: Promise<unknown>) => (await rejectionOf(promise)).code;

export function describeFileStoreContract(makeRuntime: () => Runtime, fixture: FileFixture): void {
  describe('file store', () => {
    async function setUp() {
      const files = makeRuntime().files;
      const dir = await fixture.directory();
      const at = (...parts: string[]) => files.join(dir, ...parts);
      return { files, dir, at };
    }

    it('lists a directory with kind, size and time from lstat, and can stop early', async () => {
      const { files, dir, at } = await setUp();
      await fixture.writeFile(at('data.bin'), pattern(300));
      await files.makeDirectory(at('sub'));
      await fixture.symlink('data.bin', at('link'));
      for (let i = 0; i < 150; i++) await fixture.writeFile(at('sub', `f${i}`), '');
      const entries = [];
      for await (const entry of files.list(dir)) entries.push(entry);
      entries.sort((a, b) => a.name.localeCompare(b.name));
      expect(entries.map((e) => [e.name, e.kind])).toEqual([['data.bin', 'file'], ['link', 'symlink'], ['sub', 'directory']]);
      expect(entries[0]).toMatchObject({ size: 300, permissions: expect.any(Number), fileId: expect.any(String) });
      expect(entries[0]!.mtimeMs).toBeGreaterThan(0);
      let seen = 0;
      for await (const entry of files.list(at('sub'))) {
        expect(entry.kind).toBe('file');
        if (++seen === 100) break;
      }
      const all = [];
      for await (const entry of files.list(at('sub'))) all.push(entry.name);
      expect(new Set(all).size).toBe(150);
      expect(await codeOf(collect(files.list(at('missing')) as AsyncIterable<never>))).toBe('ENOENT');
      expect(await codeOf(collect(files.list(at('data.bin')) as AsyncIterable<never>))).toBe('ENOTDIR');
    });

    it('stats with lstat and stat, resolves realpath, and says ENOENT for what is missing', async () => {
      const { files, at } = await setUp();
      await fixture.writeFile(at('target'), 'twelve bytes');
      await fixture.symlink('target', at('link'));
      await fixture.symlink('nowhere', at('dangling'));
      expect(await files.lstat(at('link'))).toMatchObject({ kind: 'symlink' });
      expect(await files.stat(at('link'))).toMatchObject({ kind: 'file', size: 12 });
      expect(await files.realpath(at('link'))).toBe(await files.realpath(at('target')));
      expect(files.basename(await files.realpath(at('link')))).toBe('target');
      expect(await files.lstat(at('dangling'))).toMatchObject({ kind: 'symlink' });
      for (const missing of [() => files.stat(at('dangling')), () => files.lstat(at('nope')), () => files.realpath(at('dangling'))]) {
        expect(await codeOf(missing())).toBe('ENOENT');
      }
      expect(await codeOf(files.stat(at('target', 'below')))).toBe('ENOTDIR');
    });

    it('reads a byte range in chunks of the size asked, each a buffer of its own', async () => {
      const { files, at } = await setUp();
      const content = pattern(1000);
      await fixture.writeFile(at('f'), content);
      const reader = await files.openRead(at('f'));
      expect(reader.stat).toMatchObject({ kind: 'file', size: 1000 });
      const chunks = await collect(reader.chunks({ start: 10, end: 260, chunkBytes: 100 }));
      expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
      expect(sameBytes(new Uint8Array(chunks.flatMap((c) => [...c])), content.subarray(10, 260))).toBe(true);
      expect(chunks[0]!.buffer === chunks[1]!.buffer && chunks[0]!.byteOffset === chunks[1]!.byteOffset).toBe(false);
      const whole = await collect(reader.chunks({ chunkBytes: 300 }));
      expect(whole.map((c) => c.length)).toEqual([300, 300, 300, 100]);
      expect(await collect(reader.chunks({ start: 1000 }))).toEqual([]);
      expect(await codeOf(collect(reader.chunks({ start: 990, end: 1001 })))).toBe('FILE_SHORT_READ');
      for (const range of [{ start: -1 }, { start: 5, end: 4 }, { chunkBytes: 0 }, { chunkBytes: 1.5 }]) {
        expect(await codeOf(collect(reader.chunks(range)))).toBe('ERR_OUT_OF_RANGE');
      }
      await reader.close();
      expect(text((await collect(files.read(at('f'), { start: 0, end: 3 })))[0]!)).toBe(text(content.subarray(0, 3)));
      await fixture.writeFile(at('empty'), '');
      expect(await collect(files.read(at('empty')))).toEqual([]);
    });

    it('never opens through a symlink in the last component; refuses directories and what is missing', async () => {
      const { files, dir, at } = await setUp();
      await fixture.writeFile(at('secret'), 'no');
      await fixture.symlink('secret', at('link'));
      await files.makeDirectory(at('d'));
      await fixture.writeFile(at('d', 'inner'), 'yes');
      await fixture.symlink('d', at('dir-link'));
      expect(await codeOf(files.openRead(at('link')))).toBe('ELOOP');
      expect(await codeOf(collect(files.read(at('link'))))).toBe('ELOOP');
      expect(await codeOf(files.sha256(at('link')))).toBe('ELOOP');
      expect(await codeOf(files.openRead(dir))).toBe('EISDIR');
      expect(await codeOf(files.openRead(at('missing')))).toBe('ENOENT');
      // Only the last component is refused; the caller checks realpath for the rest.
      expect(text((await collect(files.read(at('dir-link', 'inner'))))[0]!)).toBe('yes');
    });

    it('hashes a file or a range with SHA-256 and reports the stat it hashed', async () => {
      const { files, at } = await setUp();
      await fixture.writeFile(at('abc'), 'xabcx');
      expect(await files.sha256(at('abc'), { start: 1, end: 4 })).toEqual({
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        stat: expect.objectContaining({ kind: 'file', size: 5 }),
      });
      // Larger than the hashing buffer, checked against the incremental hash fed in odd pieces.
      const big = pattern(700_000);
      await fixture.writeFile(at('big'), big);
      const incremental = makeRuntime().sha256();
      for (let offset = 0; offset < big.length; offset += 99_999) incremental.update(big.subarray(offset, offset + 99_999));
      expect((await files.sha256(at('big'))).sha256).toBe(incremental.digestHex());
      expect(await codeOf(files.sha256(at('abc'), { end: 6 }))).toBe('FILE_SHORT_READ');
    });

    it('creates a file exclusively, with backpressure, and keeps what was written on close', async () => {
      const { files, at } = await setUp();
      const writer = await files.openWrite(at('new'), { mode: 'create', highWaterMark: 10 });
      expect(writer).toMatchObject({ startSize: 0, bytesWritten: 0, pendingBytes: 0 });
      expect(writer.write(new TextEncoder().encode('12345'))).toBe(true);
      expect(writer.write(new TextEncoder().encode('67890'))).toBe(false);
      expect(writer.pendingBytes).toBe(10);
      await writer.drained();
      expect(writer).toMatchObject({ pendingBytes: 0, bytesWritten: 10 });
      // A mark already met settles at once; one above zero settles once the queue is down to it.
      await writer.drained(10);
      writer.write(pattern(50_000));
      writer.write(pattern(50_000));
      await writer.drained(50_000);
      expect(writer.pendingBytes).toBeLessThanOrEqual(50_000);
      await writer.drained();
      expect(writer).toMatchObject({ pendingBytes: 0, bytesWritten: 100_010 });
      writer.write(pattern(100_000));
      await writer.close({ sync: true });
      await writer.close();
      expect(writer.write(new Uint8Array(1))).toBe(false);
      const stored = await fixture.readFile(at('new'));
      expect(text(stored.subarray(0, 10))).toBe('1234567890');
      expect(sameBytes(stored.subarray(10, 50_010), pattern(50_000))).toBe(true);
      expect(sameBytes(stored.subarray(50_010, 100_010), pattern(50_000))).toBe(true);
      expect(sameBytes(stored.subarray(100_010), pattern(100_000))).toBe(true);
      expect(await codeOf(files.openWrite(at('new'), { mode: 'create' }))).toBe('EEXIST');
      await fixture.symlink('elsewhere', at('dangling'));
      expect(await codeOf(files.openWrite(at('dangling'), { mode: 'create' }))).toBe('EEXIST');
      expect(await fixture.exists(at('elsewhere'))).toBe(false);
      expect(await codeOf(files.openWrite(at('no-dir', 'f'), { mode: 'create' }))).toBe('ENOENT');
    });

    it('appends to resume, from the size it had, and never through a symlink', async () => {
      const { files, at } = await setUp();
      await fixture.writeFile(at('partial'), 'first ');
      const writer = await files.openWrite(at('partial'), { mode: 'append' });
      expect(writer.startSize).toBe(6);
      writer.write(new TextEncoder().encode('second'));
      await writer.close();
      expect(text(await fixture.readFile(at('partial')))).toBe('first second');
      const fresh = await files.openWrite(at('fresh'), { mode: 'append' });
      expect(fresh.startSize).toBe(0);
      await fresh.close();
      expect(await fixture.exists(at('fresh'))).toBe(true);
      await fixture.symlink('partial', at('link'));
      expect(await codeOf(files.openWrite(at('link'), { mode: 'append' }))).toBe('ELOOP');
      expect(text(await fixture.readFile(at('partial')))).toBe('first second');
    });

    it('abort drops what is queued, closes and removes the file, even after close', async () => {
      const { files, at } = await setUp();
      const writer = await files.openWrite(at('doomed'), { mode: 'create' });
      writer.write(pattern(50_000));
      await writer.abort();
      await writer.abort();
      expect(await fixture.exists(at('doomed'))).toBe(false);
      expect(writer.write(new Uint8Array(1))).toBe(false);
      const closed = await files.openWrite(at('checked'), { mode: 'create' });
      closed.write(pattern(10));
      await closed.close();
      await closed.abort();
      expect(await fixture.exists(at('checked'))).toBe(false);
    });

    it('renames without ever replacing what is at the target', async () => {
      const { files, at } = await setUp();
      await fixture.writeFile(at('a'), 'A');
      await fixture.writeFile(at('b'), 'B');
      expect(await codeOf(files.renameNoReplace(at('a'), at('b')))).toBe('EEXIST');
      expect([text(await fixture.readFile(at('a'))), text(await fixture.readFile(at('b')))]).toEqual(['A', 'B']);
      const identity = (await files.lstat(at('a'))).fileId;
      expect(identity).not.toBe((await files.lstat(at('b'))).fileId);
      await files.renameNoReplace(at('a'), at('c'));
      // A renamed file is the same file.
      expect((await files.lstat(at('c'))).fileId).toBe(identity);
      expect(await fixture.exists(at('a'))).toBe(false);
      expect(text(await fixture.readFile(at('c')))).toBe('A');
      expect(await codeOf(files.renameNoReplace(at('a'), at('d')))).toBe('ENOENT');
      await files.makeDirectory(at('dir'));
      await files.makeDirectory(at('other'));
      expect(await codeOf(files.renameNoReplace(at('dir'), at('other')))).toBe('EEXIST');
      await files.renameNoReplace(at('dir'), at('moved'));
      expect((await files.lstat(at('moved'))).kind).toBe('directory');
    });

    it('removes files, symlinks (not their targets) and empty directories', async () => {
      const { files, at } = await setUp();
      await fixture.writeFile(at('f'), 'x');
      await fixture.symlink('f', at('link'));
      await files.makeDirectory(at('full'));
      await fixture.writeFile(at('full', 'inside'), 'x');
      await files.makeDirectory(at('empty'));
      await files.remove(at('link'));
      expect([await fixture.exists(at('link')), await fixture.exists(at('f'))]).toEqual([false, true]);
      await files.remove(at('f'));
      await files.remove(at('empty'));
      expect([await fixture.exists(at('f')), await fixture.exists(at('empty'))]).toEqual([false, false]);
      expect(await codeOf(files.remove(at('full')))).toBe('ENOTEMPTY');
      expect(await codeOf(files.remove(at('f')))).toBe('ENOENT');
    });

    it('makes directories, with parents when recursive', async () => {
      const { files, at } = await setUp();
      expect(await codeOf(files.makeDirectory(at('a', 'b')))).toBe('ENOENT');
      await files.makeDirectory(at('a', 'b', 'c'), { recursive: true });
      await files.makeDirectory(at('a', 'b', 'c'), { recursive: true });
      expect((await files.stat(at('a', 'b', 'c'))).kind).toBe('directory');
      expect(await codeOf(files.makeDirectory(at('a')))).toBe('EEXIST');
      await fixture.writeFile(at('file'), 'x');
      expect(await codeOf(files.makeDirectory(at('file', 'below'), { recursive: true }))).toBe('ENOTDIR');
    });

    it('reports free bytes on the file system of a path', async () => {
      const { files, dir, at } = await setUp();
      const free = await files.freeBytes(dir);
      expect(Number.isSafeInteger(free) && free > 0).toBe(true);
      expect(await codeOf(files.freeBytes(at('missing')))).toBe('ENOENT');
    });

    it('handles paths with the host’s rules', () => {
      const files = makeRuntime().files;
      expect(files.join('/srv/shared', 'a', '..', 'b.txt')).toBe('/srv/shared/b.txt');
      expect(files.resolve('/srv/shared', 'x/../y')).toBe('/srv/shared/y');
      expect(files.relative('/srv/shared', '/srv/shared/sub/f')).toBe('sub/f');
      expect(files.relative('/srv/shared', '/srv/other')).toBe('../other');
      expect(files.relative('/srv/shared', '/srv/shared')).toBe('');
      expect([files.dirname('/srv/shared/f.txt'), files.basename('/srv/shared/f.txt')]).toEqual(['/srv/shared', 'f.txt']);
      expect([files.isAbsolute('/srv'), files.isAbsolute('srv')]).toEqual([true, false]);
    });
  });
}
