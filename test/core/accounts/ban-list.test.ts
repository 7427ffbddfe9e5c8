import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BanList, MAX_BANS, parseBanTarget } from '../../../src/core/accounts/ban-list.ts';
import { nodeSmallTextFiles } from '../../../src/runtime/small-text-files.ts';

describe('what BAN takes', () => {
  it('reads addresses as addresses (IPv6 by its /64) and anything else name-like as a name', () => {
    expect(parseBanTarget('192.0.2.1')).toEqual({ kind: 'address', target: '192.0.2.1' });
    expect(parseBanTarget('::ffff:192.0.2.1')).toEqual({ kind: 'address', target: '192.0.2.1' });
    expect(parseBanTarget('2001:db8:0:1::5')).toEqual({ kind: 'address', target: '2001:db8:0:1::/64' });
    expect(parseBanTarget('2001:db8:0:1::/64')).toEqual({ kind: 'address', target: '2001:db8:0:1::/64' });
    expect(parseBanTarget('mallory')).toEqual({ kind: 'name', target: 'mallory' });
    expect(parseBanTarget('256.1.1.1')).toBeUndefined();
    expect(parseBanTarget('not:an:address')).toBeUndefined();
    expect(parseBanTarget('bad name!')).toBeUndefined();
  });
});

describe('the ban list', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-bans-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps bans in its file across opens', async () => {
    const file = path.join(dir, 'bans');
    const errors: Error[] = [];
    const storage = { files: nodeSmallTextFiles, path: file, onSaveError: (error: Error) => errors.push(error) };
    const bans = await BanList.open(storage);
    expect(bans.add({ kind: 'name', target: 'Mallory' })).toBe('added');
    expect(bans.add({ kind: 'name', target: 'mallory' })).toBe('exists');
    expect(bans.add({ kind: 'address', target: '192.0.2.1' })).toBe('added');
    expect(bans.remove({ kind: 'address', target: '192.0.2.1' })).toBe(true);
    expect(bans.remove({ kind: 'address', target: '192.0.2.1' })).toBe(false);
    bans.add({ kind: 'address', target: '2001:db8::/64' });
    await bans.flushed();
    expect(errors).toEqual([]);
    const reopened = await BanList.open(storage);
    expect(reopened.nameBanned('MALLORY')).toBe(true);
    expect(reopened.addressBanned('2001:db8::1234')).toBe(true);
    expect(reopened.addressBanned('192.0.2.1')).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('name Mallory\naddress 2001:db8:0:0::/64\n');
  });

  it('reports a failed save and keeps the ban in memory', async () => {
    const errors: Error[] = [];
    const storage = { files: nodeSmallTextFiles, path: path.join(dir, 'missing-dir', 'bans'), onSaveError: (error: Error) => errors.push(error) };
    const bans = await BanList.open(storage);
    bans.add({ kind: 'name', target: 'eve' });
    await bans.flushed();
    expect(errors).toHaveLength(1);
    expect(bans.nameBanned('eve')).toBe(true);
  });

  it('refuses a malformed file by its line', async () => {
    const file = path.join(dir, 'broken');
    writeFileSync(file, 'name ok\nnonsense\n');
    await expect(BanList.open({ files: nodeSmallTextFiles, path: file, onSaveError: () => {} })).rejects.toMatchObject({ line: 2 });
  });

  it(`holds at most ${MAX_BANS} bans`, async () => {
    const bans = await BanList.open(undefined);
    for (let i = 0; i < MAX_BANS; i++) expect(bans.add({ kind: 'name', target: `u${i}` })).toBe('added');
    expect(bans.add({ kind: 'name', target: 'one-more' })).toBe('full');
  });
});
