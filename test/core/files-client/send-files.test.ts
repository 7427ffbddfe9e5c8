// What `netchat send-file`'s arguments become: real files and folders in a temporary directory.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planUploads } from '../../../src/core/files-client/send-files.ts';
import { getRuntime } from '../../../src/runtime/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-send-files-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const noStdin = { chunks: (async function* () {})(), name: undefined };
const plan = (...paths: string[]) => planUploads(getRuntime().files, paths, noStdin);

describe('planUploads', () => {
  it('sends a folder’s files, leaves out hidden ones and folders, and names each file whose name the server would refuse', async () => {
    const folder = path.join(dir, 'folder');
    await fs.mkdir(path.join(folder, 'sub'), { recursive: true });
    for (const name of ['ok.txt', 'b.csv', '.hidden', 'a:b.txt', 'what?.txt', 'trailing.']) await fs.writeFile(path.join(folder, name), 'x');
    const { uploads, problems } = await plan(folder);
    expect(uploads.map((upload) => upload.name)).toEqual(['b.csv', 'ok.txt']);
    expect(problems.map((problem) => [path.basename(problem.label), problem.code]).sort()).toEqual([
      ['a:b.txt', 'FILE_NAME_INVALID'],
      ['trailing.', 'FILE_NAME_INVALID'],
      ['what?.txt', 'FILE_NAME_INVALID'],
    ]);
  });

  it('says a folder is empty only when nothing in it could be sent or named', async () => {
    const empty = path.join(dir, 'empty');
    const refused = path.join(dir, 'refused');
    await fs.mkdir(empty);
    await fs.mkdir(refused);
    await fs.writeFile(path.join(empty, '.only-hidden'), 'x');
    await fs.writeFile(path.join(refused, 'x:y'), 'x');
    const { uploads, problems } = await plan(empty, refused);
    expect(uploads).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(['EMPTY_FOLDER', 'FILE_NAME_INVALID']);
  });
});
