import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePasswordHashing } from '../../src/runtime/password-hashing.ts';
import { nodeSmallTextFiles } from '../../src/runtime/small-text-files.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('password hashing', () => {
  it('is scrypt (RFC 7914 test vector)', async () => {
    const key = await nodePasswordHashing.scrypt('password', new TextEncoder().encode('NaCl'), { N: 1024, r: 8, p: 16, keyLength: 64 });
    expect(hex(key)).toBe(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
  });

  it('runs at N = 2^17, past node:crypto\'s default memory cap', async () => {
    const key = await nodePasswordHashing.scrypt('pw', new Uint8Array(16), { N: 2 ** 15, r: 8, p: 1, keyLength: 32 });
    expect(key.length).toBe(32);
  });

  it('compares equal bytes as equal, and different bytes or lengths as different', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(nodePasswordHashing.equal(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(nodePasswordHashing.equal(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(nodePasswordHashing.equal(a, new Uint8Array([1, 2]))).toBe(false);
  });

  it('gives fresh random bytes', () => {
    expect(hex(nodePasswordHashing.randomBytes(16))).not.toBe(hex(nodePasswordHashing.randomBytes(16)));
  });
});

describe('small text files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-small-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads undefined for a missing file, and refuses one over the size given', async () => {
    expect(await nodeSmallTextFiles.read(path.join(dir, 'missing'), 100)).toBeUndefined();
    writeFileSync(path.join(dir, 'big'), 'x'.repeat(101));
    await expect(nodeSmallTextFiles.read(path.join(dir, 'big'), 101)).resolves.toHaveLength(101);
    await expect(nodeSmallTextFiles.read(path.join(dir, 'big'), 100)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('refuses what is not a regular file, which has no size to check (/dev/zero would never end)', async () => {
    await expect(nodeSmallTextFiles.read('/dev/zero', 100)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    await expect(nodeSmallTextFiles.read(dir, 100)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
  });

  it('replaces a file whole with the permissions given, leaving no temporary file', async () => {
    const file = path.join(dir, 'accounts');
    writeFileSync(file, 'old\n');
    await nodeSmallTextFiles.replace(file, 'new\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
