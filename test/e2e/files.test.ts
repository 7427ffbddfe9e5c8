// Shared files as users reach them, under every runtime: `serve` sharing a folder, `send-file`
// uploading files, a folder and stdin, and `join` listing and downloading in a pipe.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_exit.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const running: CliProcess[] = [];
let dir: string;
let shared: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-e2e-files-'));
  shared = path.join(dir, 'shared');
});

afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await fs.rm(dir, { recursive: true, force: true });
});

async function serve(...flags: string[]): Promise<{ proc: CliProcess; port: number }> {
  const proc = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', shared, ...flags]);
  running.push(proc);
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/);
  return { proc, port: Number(port) };
}

describe(`shared files [${CLI_RUNTIME}]`, () => {
  it('serve creates and shares the folder, and says how many files it holds', async () => {
    const { proc } = await serve();
    expect(proc.stderr()).toContain(`sharing ${shared} (0 files)`);
    expect((await fs.stat(shared)).isDirectory()).toBe(true);
  });

  it('send-file uploads files, a folder and stdin, printing the verdict per file; join lists and downloads them', async () => {
    const { port } = await serve();
    const big = randomBytes(2 * 1024 * 1024 + 3);
    await fs.writeFile(path.join(dir, 'big.bin'), big);
    await fs.mkdir(path.join(dir, 'folder'));
    await fs.writeFile(path.join(dir, 'folder', 'a.txt'), 'alpha');
    await fs.writeFile(path.join(dir, 'folder', '.hidden'), 'not sent');
    const sent = await runCli(['send-file', path.join(dir, 'big.bin'), path.join(dir, 'folder'), '-', '127.0.0.1', String(port), '--name', 'notes from stdin.txt'], {
      input: 'piped text\n',
    });
    expect(sent.code, sent.stderr).toBe(EXIT.OK);
    expect(sent.stdout.trim().split('\n')).toEqual([
      `${path.join(dir, 'big.bin')}\tbig.bin\t${big.length}\t${sha(big)}`,
      `${path.join(dir, 'folder', 'a.txt')}\ta.txt\t5\t${sha('alpha')}`,
      `-\tnotes from stdin.txt\t11\t${sha('piped text\n')}`,
    ]);
    expect((await fs.readdir(shared)).sort()).toEqual(['a.txt', 'big.bin', 'notes from stdin.txt']);

    const downloads = path.join(dir, 'downloads');
    const joined = await runCli(['join', 'bob', '127.0.0.1', String(port), '--download-dir', downloads], {
      input: '/files\n/download big.bin\n/download notes from stdin.txt\n',
    });
    expect(joined.code, joined.stderr).toBe(EXIT.OK);
    expect(joined.stdout).toMatch(/^\[File\] 5 \S+ a\.txt$/m);
    expect(joined.stdout).toMatch(new RegExp(`^\\[File\\] ${big.length} \\S+ big\\.bin$`, 'm'));
    expect(joined.stdout).toContain('[Files] 3 files, 3 in total.');
    expect(joined.stderr).toContain(`saved big.bin to ${path.join(downloads, 'big.bin')}`);
    expect(sha(await fs.readFile(path.join(downloads, 'big.bin')))).toBe(sha(big));
    expect(await fs.readFile(path.join(downloads, 'notes from stdin.txt'), 'utf8')).toBe('piped text\n');

    // /upload takes ~ as the home folder, and a path quoted as a terminal pastes a dropped file.
    const home = path.join(dir, 'home');
    await fs.mkdir(home);
    await fs.writeFile(path.join(home, 'from home.txt'), 'home');
    await fs.writeFile(path.join(dir, 'dropped (1).txt'), 'dropped');
    const uploaded = await runCli(['join', 'cleo', '127.0.0.1', String(port)], {
      input: `/upload ~/from home.txt\n/upload '${path.join(dir, 'dropped (1).txt')}'\n`,
      env: { HOME: home, USERPROFILE: home },
    });
    expect(uploaded.code, uploaded.stderr).toBe(EXIT.OK);
    expect(await fs.readFile(path.join(shared, 'from home.txt'), 'utf8')).toBe('home');
    expect(await fs.readFile(path.join(shared, 'dropped (1).txt'), 'utf8')).toBe('dropped');
  });

  it('tells the other users about a shared file, and send-file says when the name was taken', async () => {
    const { port } = await serve();
    const watcher = await LineClient.connect(port);
    try {
      watcher.sendLine('JOIN watcher');
      await watcher.waitForLine(/^\[Server\] Welcome, watcher/);
      await fs.writeFile(path.join(dir, 'report.csv'), 'x,y\n');
      const first = await runCli(['send-file', path.join(dir, 'report.csv'), `127.0.0.1:${port}`]);
      expect(first.code, first.stderr).toBe(EXIT.OK);
      expect(await watcher.waitForLine(/shared report\.csv/)).toBe('[Server] A guest shared report.csv (4 B).');
      const second = await runCli(['send-file', path.join(dir, 'report.csv'), `127.0.0.1:${port}`, '--json']);
      expect(second.code, second.stderr).toBe(EXIT.OK);
      const events = second.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.find((e) => e.type === 'stored')).toMatchObject({ name: 'report (1).csv', size: 4, sha256: sha('x,y\n') });
      // docs/JSON.md: every object starts with its type and time.
      for (const event of events) expect(Object.keys(event).slice(0, 2)).toEqual(['type', 'time']);
    } finally {
      watcher.close();
    }
  });

  it('exits 6 when the server refuses an upload, 3 when it cannot be reached, 2 for stdin without a name', async () => {
    const { port } = await serve('--no-uploads');
    await fs.writeFile(path.join(dir, 'x.txt'), 'x');
    const refused = await runCli(['send-file', path.join(dir, 'x.txt'), '127.0.0.1', String(port)]);
    expect(refused.code).toBe(EXIT.TRANSFER_FAILED);
    expect(refused.stderr).toContain('UPLOADS_DISABLED');
    expect(refused.stdout).toBe('');
    const missing = await runCli(['send-file', path.join(dir, 'none.txt'), '127.0.0.1', String(port)]);
    expect(missing.code).toBe(EXIT.TRANSFER_FAILED);
    expect(missing.stderr).toContain('no such file');
    const closed = await LineClient.connect(port).then((client) => {
      const free = client.socket.localPort!;
      client.close();
      return free;
    });
    const unreachable = await runCli(['send-file', path.join(dir, 'x.txt'), '127.0.0.1', String(closed)]);
    expect(unreachable.code).toBe(EXIT.CONNECT);
    const nameless = await runCli(['send-file', '-', '127.0.0.1', String(port)], { input: 'x' });
    expect(nameless.code).toBe(EXIT.USAGE);
    expect(await fs.readdir(shared)).toEqual([]);
  });

  it('send-file --name stores the one file sent under that name, and is refused for several or a folder', async () => {
    const { port } = await serve();
    await fs.writeFile(path.join(dir, 'out.bin'), 'built');
    const renamed = await runCli(['send-file', path.join(dir, 'out.bin'), `127.0.0.1:${port}`, '--name', 'nightly.bin']);
    expect(renamed.code, renamed.stderr).toBe(EXIT.OK);
    expect(renamed.stdout).toMatch(/\tnightly\.bin\t5\t/);
    expect(await fs.readFile(path.join(shared, 'nightly.bin'), 'utf8')).toBe('built');
    const several = await runCli(['send-file', path.join(dir, 'out.bin'), path.join(dir, 'out.bin'), `127.0.0.1:${port}`, '--name', 'x.bin']);
    expect(several.code).toBe(EXIT.USAGE);
    const folder = await runCli(['send-file', dir, `127.0.0.1:${port}`, '--name', 'x.bin']);
    expect(folder.code).toBe(EXIT.USAGE);
    expect((await fs.readdir(shared)).sort()).toEqual(['nightly.bin']);
  });

  it('join downloads over UDP with --udp (or /download … --udp), byte-exact, resuming nothing it need not', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 1);
    await fs.mkdir(shared);
    await fs.writeFile(path.join(shared, 'big.bin'), big);
    await fs.writeFile(path.join(shared, 'small.txt'), 'small');
    const { proc, port } = await serve();
    const downloads = path.join(dir, 'udp');
    const result = await runCli(['join', 'dora', '127.0.0.1', String(port), '--udp', '--download-dir', downloads, '--json'], {
      input: '/download big.bin\n/download small.txt --tcp\n',
    });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e.type === 'downloaded').map((e) => e.name).sort()).toEqual(['big.bin', 'small.txt']);
    // docs/JSON.md: every object starts with its type and time, the transfers' too.
    for (const event of events) expect(Object.keys(event).slice(0, 2)).toEqual(['type', 'time']);
    expect(sha(await fs.readFile(path.join(downloads, 'big.bin')))).toBe(sha(big));
    expect(await fs.readFile(path.join(downloads, 'small.txt'), 'utf8')).toBe('small');
    await proc.waitForStderr(/dora \(127\.0\.0\.1\) downloaded big\.bin over UDP/);
    await proc.waitForStderr(/dora \(127\.0\.0\.1\) downloaded small\.txt\n/);
  });

  it('join runs downloads past the server’s transfers per user one after another, each byte-exact', async () => {
    const files = ['a.bin', 'b.bin', 'c.bin'].map((name) => ({ name, bytes: randomBytes(8 * 1024 * 1024) }));
    await fs.mkdir(shared);
    for (const file of files) await fs.writeFile(path.join(shared, file.name), file.bytes);
    const { port } = await serve('--max-transfers-per-user', '1');
    const downloads = path.join(dir, 'one-at-a-time');
    const result = await runCli(['join', 'erin', '127.0.0.1', String(port), '--download-dir', downloads], {
      input: files.map((file) => `/download ${file.name}\n`).join(''),
    });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    for (const file of files) expect(sha(await fs.readFile(path.join(downloads, file.name)))).toBe(sha(file.bytes));
  });

  it('join exits 6 when a /download fails, after leaving cleanly', async () => {
    const { port } = await serve();
    const result = await runCli(['join', 'carol', '127.0.0.1', String(port), '--download-dir', path.join(dir, 'd')], {
      input: '/download ../../etc/passwd\n',
    });
    expect(result.code).toBe(EXIT.TRANSFER_FAILED);
    expect(result.stderr).toContain('FILE_NAME_INVALID');
  });
});
