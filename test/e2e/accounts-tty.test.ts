// Passwords typed in a real terminal (tmux): `netchat account add` and `netchat join` ask for
// them without echo, and nothing typed ever shows on the screen.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closeTmux, HAS_TMUX, openPane as openTmuxPane } from '../helpers/tmux-pane.ts';
import { LineClient } from '../helpers/line-client.ts';

/** `netchat <args>` in a fresh pane, its screen with the scrollback as one string. */
function openPane(args: string[], dir: string) {
  const pane = openTmuxPane(args, dir, { scrollback: true });
  return { ...pane, screen: pane.screenText, waitFor: (pattern: RegExp) => pane.waitForText(pattern) };
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
    closeTmux();
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
