// Accounts end to end: `netchat account` writing the file in a pipe, `netchat serve --accounts`
// checking logins, `netchat join` logging in from a file or the environment, operators'
// commands allowed and refused, bans kept across a restart, and throttled guessing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-accounts-e2e-'));
const accountsFile = path.join(dir, 'accounts');
const stateDir = path.join(dir, 'state');
const annPasswordFile = path.join(dir, 'ann-password');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every describe below uses these accounts, made the way a person makes them: in a pipe.
beforeAll(async () => {
  const ann = await runCli(['account', 'add', 'ann', '--operator', '--accounts', accountsFile], { input: 'ann pass word\n' });
  expect(ann.code, ann.stderr).toBe(EXIT.OK);
  const bob = await runCli(['account', 'add', 'bob', '--accounts', accountsFile], { input: 'bob-pw' });
  expect(bob.code, bob.stderr).toBe(EXIT.OK);
  writeFileSync(annPasswordFile, 'ann pass word\n');
});

async function startServer(state = stateDir, wantedPort = 0): Promise<{ server: CliProcess; port: number }> {
  const server = spawnCli([
    'serve',
    ...['--host', '127.0.0.1', '--port', String(wantedPort), '--announce-rate', '1000'],
    ...['--accounts', accountsFile, '--state-dir', state, '--shared-dir', path.join(dir, 'shared')],
  ]);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

async function stopServer(server: CliProcess): Promise<number> {
  server.child.kill('SIGTERM');
  return server.exited;
}

async function guest(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

describe(`accounts [${CLI_RUNTIME}]`, () => {
  let server: CliProcess;
  let port: number;
  const peers: LineClient[] = [];
  const join = (args: string[], input: string, env: NodeJS.ProcessEnv = {}) =>
    runCli(['join', ...args, '127.0.0.1', String(port)], { input, env: { NETCHAT_PASSWORD: '', ...env } });

  beforeAll(async () => {
    ({ server, port } = await startServer());
  });
  afterAll(async () => {
    for (const peer of peers) peer.close();
    await stopServer(server);
  });

  it('account add writes scrypt hashes (never the password), refuses a second add, and passwd changes it', async () => {
    const text = readFileSync(accountsFile, 'utf8');
    expect(text).toMatch(/^ann scrypt\$32768,8,1\$[0-9a-f]{32}\$[0-9a-f]{64} operator$/m);
    expect(text).toMatch(/^bob scrypt\$32768,8,1\$[0-9a-f]{32}\$[0-9a-f]{64}$/m);
    expect(text).not.toContain('pass word');
    const again = await runCli(['account', 'add', 'BOB', '--accounts', accountsFile], { input: 'x\n' });
    expect(again.code).toBe(EXIT.FAILURE);
    expect(again.stderr).toMatch(/already has an account/);
    const empty = await runCli(['account', 'add', 'carl', '--accounts', accountsFile], { input: '\n' });
    expect(empty.code).toBe(EXIT.USAGE);
    // AUTH takes the password from its first non-space character: such a password could never be typed.
    const spaced = await runCli(['account', 'add', 'carl', '--accounts', accountsFile], { input: '  spaced  \n' });
    expect(spaced.code).toBe(EXIT.USAGE);
    expect(spaced.stderr).toMatch(/cannot begin with a space/);
    expect(readFileSync(accountsFile, 'utf8')).not.toMatch(/^carl /m);
    const reserved = await runCli(['account', 'add', 'Server', '--accounts', accountsFile], { input: 'pw\n' });
    expect(reserved.code).toBe(EXIT.USAGE);
    expect(reserved.stderr).toMatch(/"Server" is reserved/);
    const missing = await runCli(['account', 'remove', 'nobody', '--accounts', accountsFile]);
    expect(missing.code).toBe(EXIT.FAILURE);

    const other = path.join(dir, 'other-accounts');
    expect((await runCli(['account', 'add', 'dave', '--accounts', other], { input: 'one\n' })).code).toBe(EXIT.OK);
    const before = readFileSync(other, 'utf8');
    const passwd = await runCli(['account', 'passwd', 'DAVE', '--operator', '--accounts', other], { input: 'two\n' });
    expect(passwd.code, passwd.stderr).toBe(EXIT.OK);
    const after = readFileSync(other, 'utf8');
    expect(after).toMatch(/^dave scrypt\$\S+ operator$/m);
    expect(after.match(/^dave (\S+)/m)![1]).not.toBe(before.match(/^dave (\S+)/m)![1]);
    expect((await runCli(['account', 'remove', 'dave', '--accounts', other])).code).toBe(EXIT.OK);
    expect(readFileSync(other, 'utf8')).not.toContain('dave');
  });

  it('refuses a registered name without its password, and a wrong password, with exit 4', async () => {
    const none = await join(['bob'], 'hi\n');
    expect(none.code, none.stderr).toBe(EXIT.NAME_REFUSED);
    expect(none.stderr).toMatch(/ACCOUNT_REQUIRED/);
    const noTerminal = await join(['bob', '--password'], 'hi\n');
    expect(noTerminal.code).toBe(EXIT.USAGE);
    expect(noTerminal.stderr).toMatch(/NETCHAT_PASSWORD/);
    const wrong = await join(['bob'], 'hi\n', { NETCHAT_PASSWORD: 'not bob' });
    expect(wrong.code, wrong.stderr).toBe(EXIT.NAME_REFUSED);
    expect(wrong.stderr).toMatch(/LOGIN_FAILED/);
    expect(wrong.stderr + wrong.stdout).not.toContain('not bob');
  });

  it('logs in with NETCHAT_PASSWORD or --password-file and chats', async () => {
    const watcher = await guest(port, 'watcher1');
    peers.push(watcher);
    const bob = await join(['bob'], 'hello from bob\n', { NETCHAT_PASSWORD: 'bob-pw' });
    expect(bob.code, bob.stderr).toBe(EXIT.OK);
    await watcher.waitForLine('[Broadcast] bob: hello from bob');
    const ann = await join(['ann', '--password-file', annPasswordFile], 'hello from ann\n');
    expect(ann.code, ann.stderr).toBe(EXIT.OK);
    // Logging in is the command's business (stderr), not a message: stdout stays for the chat.
    expect(ann.stdout).not.toMatch(/Logged in|Before JOIN/);
    await watcher.waitForLine('[Broadcast] ann: hello from ann');
  });

  it('lets operators /kick and /whois, and refuses everyone else', async () => {
    const carl = await guest(port, 'carl');
    peers.push(carl);
    const bob = await join(['bob'], '/kick carl\n/whois carl\n', { NETCHAT_PASSWORD: 'bob-pw' });
    // The server refused input lines: a script hears it in the exit code.
    expect(bob.code, bob.stderr).toBe(EXIT.INPUT_REFUSED);
    expect(bob.stderr).toMatch(/NOT_OPERATOR.*KICK/);
    expect(bob.stderr).toMatch(/NOT_OPERATOR.*WHOIS/);
    expect(carl.closed).toBe(false);

    const ann = await join(['ann', '--password-file', annPasswordFile], '/whois carl\n/kick carl enough\n');
    expect(ann.code, ann.stderr).toBe(EXIT.OK);
    expect(ann.stdout).toContain('[Whois] carl address=127.0.0.1 account=- operator=no');
    expect(ann.stdout).toContain('[Server] Kicked carl.');
    await carl.waitForLine('ERROR KICKED kicked by ann: enough');
    await carl.waitForClose();
  });

  it('keeps a ban across a restart of the server', async () => {
    const eve = await guest(port, 'eve');
    peers.push(eve);
    const ann = await join(['ann', '--password-file', annPasswordFile], '/ban eve\n');
    expect(ann.code, ann.stderr).toBe(EXIT.OK);
    await eve.waitForLine(/^ERROR BANNED /);

    expect(await stopServer(server)).toBe(EXIT.OK);
    expect(readFileSync(path.join(stateDir, 'bans'), 'utf8')).toContain('name eve\n');
    ({ server, port } = await startServer());
    await server.waitForStderr(/1 bans? from /);
    const again = await join(['eve'], 'hi\n');
    expect(again.code, again.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(again.stderr).toMatch(/BANNED/);

    const unban = await join(['ann', '--password-file', annPasswordFile], '/unban eve\n');
    expect(unban.stdout).toContain('[Server] Unbanned name eve.');
    const back = await join(['eve'], 'hi\n');
    expect(back.code, back.stderr).toBe(EXIT.OK);
  });

  it('reads the accounts file again on SIGHUP', async () => {
    const before = await join(['frank'], 'hi\n');
    expect(before.code, before.stderr).toBe(EXIT.OK);
    const add = await runCli(['account', 'add', 'frank', '--accounts', accountsFile], { input: 'frank-pw\n' });
    expect(add.code, add.stderr).toBe(EXIT.OK);
    server.child.kill('SIGHUP');
    await server.waitForStderr(/SIGHUP: 3 accounts from /);
    const after = await join(['frank'], 'hi\n');
    expect(after.code).toBe(EXIT.NAME_REFUSED);
    expect(after.stderr).toMatch(/ACCOUNT_REQUIRED/);
    const login = await join(['frank'], 'hi\n', { NETCHAT_PASSWORD: 'frank-pw' });
    expect(login.code, login.stderr).toBe(EXIT.OK);
  });

  it('never writes a password to the server log', () => {
    expect(server.stderr()).not.toMatch(/pass word|bob-pw|not bob|frank-pw/);
  });
});

describe(`login throttling [${CLI_RUNTIME}]`, () => {
  it('refuses the fourth attempt within a minute, the right password included', async () => {
    const { server, port } = await startServer(path.join(dir, 'state-throttle'));
    try {
      for (let i = 0; i < 3; i++) {
        const wrong = await runCli(['join', 'bob', '127.0.0.1', String(port)], { input: '', env: { NETCHAT_PASSWORD: `guess ${i}` } });
        expect(wrong.stderr).toMatch(/LOGIN_FAILED/);
      }
      const right = await runCli(['join', 'bob', '127.0.0.1', String(port)], { input: 'hi\n', env: { NETCHAT_PASSWORD: 'bob-pw' } });
      expect(right.code).toBe(EXIT.NAME_REFUSED);
      expect(right.stderr).toMatch(/LOGIN_THROTTLED .*try again in \d+ s/);
      await server.waitForStderr(/login as "bob" from 127\.0\.0\.1: throttled/);
    } finally {
      await stopServer(server);
    }
  });
});

describe(`reconnecting with an account [${CLI_RUNTIME}]`, () => {
  it('logs in again before joining again when the server comes back', async () => {
    let { server, port } = await startServer(path.join(dir, 'state-reconnect'));
    const join = spawnCli(['join', 'bob', '127.0.0.1', String(port), '--reconnect', '--stay'], { env: { NETCHAT_PASSWORD: 'bob-pw' } });
    try {
      await join.waitForStderr(/joined 127\.0\.0\.1:\d+ as bob/);
      await stopServer(server);
      ({ server } = await startServer(path.join(dir, 'state-reconnect'), port));
      await join.waitForStderr(/reconnected as bob/, 30_000);
      await server.waitForStderr(/logged in as bob/);
      expect(join.stderr()).not.toContain('bob-pw');
    } finally {
      join.child.kill('SIGTERM');
      await join.exited;
      await stopServer(server);
    }
  });
});
