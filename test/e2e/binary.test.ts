// The compiled executable behaves the same in any directory: it needs no runtime on PATH and
// ignores a .env or bunfig.toml in its working directory. Runs in e2e:binary only.
//
// A control build of the same source with Bun's default autoloading proves each fixture would be
// noticed: if the control stops reacting, the fixture no longer tests anything.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { binaryPath, ROOT } from '../helpers/cli.ts';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PRELOAD_EXIT = 42;

let work: string;
let control: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'netchat-binary-'));
  control = path.join(work, 'netchat-autoload');
  const built = spawnSync(
    path.join(ROOT, 'node_modules/.bin/bun'),
    ['build', path.join(ROOT, 'src/cli.ts'), '--compile', `--outfile=${control}`],
    // Built as `npm run compile` would be, without the test runner's NODE_ENV=test (Bun inlines it).
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  expect(built.status, built.stderr).toBe(0);
}, 120000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A directory holding one file, named and filled as given. */
function dirWith(name: string, content: string): string {
  const dir = mkdtempSync(path.join(work, 'cwd-'));
  writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Run an executable with nothing inherited but what is given: no runtime on PATH. */
function runIn(executable: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(executable, args, { cwd, env: { PATH: '/nonexistent', ...env }, encoding: 'utf8', timeout: 15000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Start `serve`, wait for the log line with its address, stop it: logs are where colour shows. */
function serveLog(executable: string, cwd: string): Promise<string> {
  const server = spawn(executable, ['serve', '--host', '127.0.0.1', '--port', '0'], { cwd, env: { PATH: '/nonexistent' } });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.kill('SIGKILL'), 15000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (/127\.0\.0\.1:\d+/.test(stripVTControlCharacters(log))) server.kill('SIGTERM');
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('error', reject);
    server.on('close', () => {
      clearTimeout(timer);
      if (/127\.0\.0\.1:\d+/.test(stripVTControlCharacters(log))) resolve(log);
      else reject(new Error(`${executable} serve exited without logging its address:\n${log}`));
    });
  });
}

describe('the compiled binary', () => {
  it('runs with no node, bun or deno on PATH, from any directory', () => {
    const result = runIn(binaryPath(), ['--version'], work);
    expect(result).toMatchObject({ code: EXIT.OK, stdout: `${VERSION}\n` });
  });

  it('ignores a bunfig.toml preload in its working directory', () => {
    const dir = dirWith('bunfig.toml', 'preload = ["./preload.js"]\n');
    writeFileSync(path.join(dir, 'preload.js'), `console.log("preloaded"); process.exit(${PRELOAD_EXIT});\n`);
    expect(runIn(control, ['--version'], dir).code, 'control build must run the preload').toBe(PRELOAD_EXIT);
    expect(runIn(binaryPath(), ['--version'], dir)).toMatchObject({ code: EXIT.OK, stdout: `${VERSION}\n` });
  });

  it('ignores a .env in its working directory', async () => {
    // SERVER_SHARED_FILES from .env would change the folder serve shares (and logs).
    const dir = dirWith('.env', 'SERVER_SHARED_FILES=FromDotEnv\n');
    expect(await serveLog(control, dir), 'control build must load .env').toMatch(/sharing \S*FromDotEnv /);
    const log = await serveLog(binaryPath(), dir);
    expect(log).toMatch(/sharing \S*SharedFiles /);
    expect(log).not.toContain('FromDotEnv');
  });
});
