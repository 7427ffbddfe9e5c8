// Passwords typed in a real terminal (tmux): `netchat account add` and `netchat join` ask for
// them without echo, and nothing typed ever shows on the screen.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, cliCommand, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

function tmuxAvailable(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAS_TMUX = tmuxAvailable();
const SOCKET = `netchat-accounts-test-${process.pid}-${CLI_RUNTIME}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
let paneCount = 0;

/** `netchat <args>` in a fresh tmux pane; its exit code is written to a file when it ends. */
function openPane(args: string[], dir: string) {
  const name = `pane${++paneCount}`;
  const exitFile = path.join(dir, `${name}.exit`);
  const [command, prefix] = cliCommand();
  const line = [command, ...prefix, ...args].map(quote).join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', `${line}; echo $? > ${quote(exitFile)}; sleep 60`);
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', name);
  return {
    screen,
    type: (text: string) => tmux('send-keys', '-t', name, '-l', text),
    key: (key: string) => tmux('send-keys', '-t', name, key),
    async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (existsSync(exitFile) || Date.now() > deadline) throw new Error(`[${CLI_RUNTIME}] the screen never showed ${pattern}:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async exitCode(timeoutMs = 15_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(exitFile) || readFileSync(exitFile, 'utf8').trim() === '') {
        if (Date.now() > deadline) throw new Error(`[${CLI_RUNTIME}] still running:\n${screen()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return Number(readFileSync(exitFile, 'utf8').trim());
    },
  };
}

const title = HAS_TMUX ? `passwords in a terminal [${CLI_RUNTIME}]` : 'passwords in a terminal (skipped: tmux is not installed)';

describe.skipIf(!HAS_TMUX)(title, () => {
  let dir: string;
  let accountsFile: string;
  let server: CliProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-accounts-tty-'));
    accountsFile = path.join(dir, 'accounts');
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session left.
    }
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('account add asks twice, shows nothing typed, and asks again when the two differ', async () => {
    const pane = openPane(['account', 'add', 'zed', '--accounts', accountsFile], dir);
    await pane.waitFor(/New password for zed/);
    pane.type('first try');
    pane.key('Enter');
    await pane.waitFor(/The same again/);
    pane.type('other thing');
    pane.key('Enter');
    await pane.waitFor(/did not match/);
    await pane.waitFor(/did not match[\s\S]*New password for zed/);
    pane.type('zed secret 1');
    pane.key('Enter');
    await pane.waitFor(/did not match[\s\S]*The same again/);
    pane.type('zed secret 1');
    pane.key('Enter');
    expect(await pane.exitCode()).toBe(EXIT.OK);
    const screen = pane.screen();
    expect(screen).not.toMatch(/first try|other thing|zed secret/);
    expect(readFileSync(accountsFile, 'utf8')).toMatch(/^zed scrypt\$/m);
  });

  it('join asks for the password of a registered name, without echo, and gets in', async () => {
    server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--accounts', accountsFile, '--state-dir', path.join(dir, 'state'), '--shared-dir', path.join(dir, 'shared')]);
    const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
    const pane = openPane(['join', 'zed', '127.0.0.1', port!], dir);
    await pane.waitFor(/zed is a registered name: its password/);
    pane.type('zed secret 1');
    pane.key('Enter');
    await pane.waitFor(/Joined 127\.0\.0\.1:\d+ as zed/);
    const watcher = await LineClient.connect(Number(port));
    watcher.sendLine('JOIN watcher');
    await watcher.waitForLine(/^\[Server\] Welcome, watcher!/);
    pane.type('hi from zed');
    pane.key('Enter');
    await watcher.waitForLine('[Broadcast] zed: hi from zed');
    watcher.close();
    pane.type('/quit');
    pane.key('Enter');
    expect(await pane.exitCode()).toBe(EXIT.OK);
    expect(pane.screen()).not.toContain('zed secret');
    expect(server.stderr()).not.toContain('zed secret');
  });

  it('account add reads the password from stdin in a pipe', async () => {
    const result = await runCli(['account', 'add', 'pipe-user', '--accounts', accountsFile], { input: 'from a pipe\n' });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout + result.stderr).not.toContain('from a pipe');
  });
});
