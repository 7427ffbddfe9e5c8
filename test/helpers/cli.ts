// Spawns the real CLI the way the current test project says: Node from dist/, Bun or Deno from
// source, or the compiled binary. NETCHAT_CLI picks it; every failure message names it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export type CliRuntime = 'node' | 'bun' | 'deno' | 'binary';
export const CLI_RUNTIME = (process.env.NETCHAT_CLI ?? 'node') as CliRuntime;

export function cliCommand(runtime: CliRuntime = CLI_RUNTIME): [string, string[]] {
  switch (runtime) {
    case 'node':
      return [process.execPath.includes('node') ? process.execPath : 'node', [path.join(ROOT, 'dist/cli.mjs')]];
    case 'bun':
      return [path.join(ROOT, 'node_modules/.bin/bun'), [path.join(ROOT, 'src/cli.ts')]];
    case 'deno':
      return [path.join(ROOT, 'node_modules/.bin/deno'), ['run', '-A', '--quiet', path.join(ROOT, 'src/cli.ts')]];
    case 'binary':
      return [binaryPath(), []];
  }
}

/** The standalone executable `npm run compile` builds for this machine. */
export function binaryPath(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return path.join(ROOT, `dist/bin/netchat-${os}-${process.arch}${os === 'windows' ? '.exe' : ''}`);
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr match (logs go to stderr). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
}

/**
 * Where the CLI runs unless a test says otherwise: a scratch folder of this test process, so
 * that what netchat creates in its working directory (the shared folder `./SharedFiles`,
 * downloads in `./<name>`) never lands in the checkout.
 */
export const SCRATCH = mkdtempSync(path.join(os.tmpdir(), 'netchat-cli-'));
process.on('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

/** `wrapper`: a command that execs the CLI after it, such as `prlimit --nofile=64 --`. */
export function spawnCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; wrapper?: string[]; runtime?: CliRuntime } = {},
): CliProcess {
  const [runtimeCommand, prefix] = cliCommand(options.runtime);
  const [command, ...wrapped] = [...(options.wrapper ?? []), runtimeCommand];
  const child = spawn(command!, [...wrapped, ...prefix, ...args], {
    cwd: options.cwd ?? SCRATCH,
    // Deno would otherwise look for a newer release over the network and may say so on stderr.
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...options.env },
    stdio: 'pipe',
  });
  // A command that exits without reading stdin must not turn the test's write into a crash.
  child.stdin.on('error', () => {});
  let out = '';
  let err = '';
  let done = false;
  const listeners = new Set<() => void>();
  const wake = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    wake();
  });
  const exited = new Promise<number>((resolve) => {
    const finish = (code: number) => {
      if (done) return;
      done = true;
      wake();
      resolve(code);
    };
    // A missing binary or runtime is a failed start, reported like any other exit.
    child.on('error', (error) => {
      err += `[${CLI_RUNTIME}] cannot start ${command}: ${error.message}\n`;
      finish(127);
    });
    child.on('close', (code, signal) => {
      finish(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9));
    });
  });
  const waitFor = (read: () => string, name: string) => (pattern: RegExp, timeoutMs = 15000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(read());
        if (match) {
          cleanup();
          resolve(match);
        } else if (done) {
          cleanup();
          reject(new Error(`[${CLI_RUNTIME}] exited before ${name} matched ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`[${CLI_RUNTIME}] timed out waiting for ${name} ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: waitFor(() => err, 'stderr'),
    waitForStdout: waitFor(() => out, 'stdout'),
    exited,
  };
}

/** Run to completion with `input` on stdin; returns exit code and output. */
export async function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawnCli(args, options);
  proc.child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 30000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  const note = timedOut ? `\n[${CLI_RUNTIME}] killed: still running after ${timeoutMs} ms` : '';
  return { code, stdout: proc.stdout(), stderr: proc.stderr() + note };
}
