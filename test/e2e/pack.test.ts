// What npm ships: `npm pack` → global install from the tarball → the `netchat` bin works with
// no node_modules anywhere near it; and dist/ copied on its own runs. Runs in e2e:node only.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { ROOT } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
// One file per subcommand in src/commands/; `_` files are shared code.
const COMMANDS = readdirSync(path.join(ROOT, 'src/commands'))
  .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
  .map((file) => file.slice(0, -'.ts'.length));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// npm passes its own settings to scripts through npm_* variables; the commands below must see
// only what they are given, as on a user's machine.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const env = { ...cleanEnv, NO_COLOR: '1' };

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'netchat-pack-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Run a file and collect its output; a non-zero exit resolves too, with its code. */
async function exec(file: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}${String(error)}` };
  }
}

describe('npm pack and a global install from the tarball', () => {
  let bin: string;
  let files: string[];

  beforeAll(async () => {
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files are using it.
    const packed = await exec(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((f) => f.path);
    const prefix = path.join(work, 'prefix');
    // --offline proves the tarball needs nothing from a registry: it has no dependencies.
    const installed = await exec(
      NPM,
      ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(work, info!.filename)],
      work,
    );
    expect(installed.code, installed.stderr).toBe(0);
    bin = path.join(prefix, process.platform === 'win32' ? 'netchat.cmd' : 'bin/netchat');
  }, 120000);

  it('ships dist/cli.mjs with its chunks, and neither sources nor executables', () => {
    expect(files).toContain('dist/cli.mjs');
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    expect(files.some((f) => f.startsWith('dist/bin/') || f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });

  it('installs a netchat bin that prints its version', async () => {
    const result = await exec(bin, ['--version'], work);
    expect(result).toMatchObject({ code: EXIT.OK, stdout: `${pkg.version}\n` });
  });

  it('loads every subcommand from the installed chunks', async () => {
    const help = await exec(bin, ['--help'], work);
    expect(help.code, help.stderr).toBe(EXIT.OK);
    for (const name of COMMANDS) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
      const result = await exec(bin, [name, '--help'], work);
      expect(result.code, `${name}: ${result.stderr}`).toBe(EXIT.OK);
      expect(result.stdout).toMatch(new RegExp(`USAGE netchat ${name}\\b`));
    }
  });
});

describe('dist/ copied alone into an empty directory', () => {
  let cli: string;

  beforeAll(() => {
    const dir = path.join(work, 'alone');
    for (const entry of ['cli.mjs', 'chunks', 'shared']) {
      cpSync(path.join(ROOT, 'dist', entry), path.join(dir, entry), { recursive: true });
    }
    cli = path.join(dir, 'cli.mjs');
  });

  it('prints its version and help', async () => {
    expect(await exec(process.execPath, [cli, '--version'], work)).toMatchObject({ code: EXIT.OK, stdout: `${pkg.version}\n` });
    const help = await exec(process.execPath, [cli, 'serve', '--help'], work);
    expect(help.code, help.stderr).toBe(EXIT.OK);
  });

  it('runs the chat server, which accepts a connection', async () => {
    const server = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--port', '0'], { cwd: work, env });
    const exited = new Promise<number | null>((resolve) => server.on('close', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let log = '';
        server.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          log += chunk;
          const match = /127\.0\.0\.1:(\d+)/.exec(log);
          if (match) resolve(Number(match[1]));
        });
        server.on('close', () => reject(new Error(`server exited before listening:\n${log}`)));
      });
      const client = await LineClient.connect(port);
      client.close();
    } finally {
      server.kill('SIGTERM');
    }
    await exited;
  });
});
