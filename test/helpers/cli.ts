// Spawns the real CLI the way the current test project says: Node from dist/, Bun or Deno from
// source, or the compiled binary. NETCHAT_CLI picks it; every failure message names it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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
      return [path.join(ROOT, `dist/bin/netchat-${process.platform}-${process.arch}`), []];
  }
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

export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  const [command, prefix] = cliCommand();
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const l of [...listeners]) l();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const l of [...listeners]) l();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      for (const l of [...listeners]) l();
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9));
    });
  });
  let done = false;
  exited.then(() => (done = true));
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
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), options.timeoutMs ?? 30000);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}
