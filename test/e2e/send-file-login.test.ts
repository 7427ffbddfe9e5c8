// `send-file` on servers that ask for a password: the server password (--password-file) right
// and wrong, an account made with `netchat account add` in a pipe under --require-account, and
// the anonymous upload refused with a message that says what to give.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-send-file-login-'));
const accountsFile = path.join(dir, 'accounts');
const serverPasswordFile = path.join(dir, 'server-password');
const rightPasswordFile = path.join(dir, 'right');
const wrongPasswordFile = path.join(dir, 'wrong');
const upload = path.join(dir, 'report.csv');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const ann = await runCli(['account', 'add', 'ann', '--accounts', accountsFile], { input: 'ann pass word\n' });
  expect(ann.code, ann.stderr).toBe(EXIT.OK);
  writeFileSync(serverPasswordFile, 'open sesame\n');
  writeFileSync(rightPasswordFile, 'open sesame\n');
  writeFileSync(wrongPasswordFile, 'open barley\n');
  writeFileSync(upload, 'id,total\n1,42\n');
});

async function startServer(name: string, options: string[]): Promise<{ server: CliProcess; port: number; shared: string }> {
  const shared = path.join(dir, name);
  mkdirSync(shared);
  const server = spawnCli([
    'serve',
    ...['--host', '127.0.0.1', '--port', '0', '--state-dir', path.join(dir, `${name}-state`), '--shared-dir', shared],
    ...options,
  ]);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port), shared };
}

const sendFile = (port: number, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['send-file', upload, '127.0.0.1', String(port), ...args], {
    env: { NETCHAT_PASSWORD: '', NETCHAT_SERVER_PASSWORD: '', ...env },
  });

describe(`send-file with a server password [${CLI_RUNTIME}]`, () => {
  let server: CliProcess;
  let port: number;
  let shared: string;
  beforeAll(async () => {
    ({ server, port, shared } = await startServer('with-password', ['--password-file', serverPasswordFile]));
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('uploads with the right server password, from a file or the environment', async () => {
    const fromFile = await sendFile(port, ['--server-password-file', rightPasswordFile]);
    expect(fromFile.code, fromFile.stderr).toBe(EXIT.OK);
    expect(fromFile.stdout).toMatch(/^.*report\.csv\treport\.csv\t14\t[0-9a-f]{64}\n$/);
    expect(readFileSync(path.join(shared, 'report.csv'), 'utf8')).toBe('id,total\n1,42\n');
    const fromEnv = await sendFile(port, [], { NETCHAT_SERVER_PASSWORD: 'open sesame' });
    expect(fromEnv.code, fromEnv.stderr).toBe(EXIT.OK);
    expect(fromEnv.stdout).toContain('\treport (1).csv\t');
  });

  it('is refused with the wrong server password: exit 4, PASSWORD_WRONG, nothing stored', async () => {
    const wrong = await sendFile(port, ['--server-password-file', wrongPasswordFile]);
    expect(wrong.code, wrong.stderr).toBe(EXIT.NAME_REFUSED);
    expect(wrong.stderr).toMatch(/PASSWORD_WRONG/);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).not.toContain('open barley');
  });

  it('is refused without a password, saying which password to give', async () => {
    const anonymous = await sendFile(port, []);
    expect(anonymous.code, anonymous.stderr).toBe(EXIT.NAME_REFUSED);
    expect(anonymous.stderr).toMatch(/PASSWORD_REQUIRED/);
    expect(anonymous.stderr).toMatch(/--server-password-file/);
  });
});

describe(`send-file with --require-account [${CLI_RUNTIME}]`, () => {
  let server: CliProcess;
  let port: number;
  let shared: string;
  beforeAll(async () => {
    ({ server, port, shared } = await startServer('accounts-only', ['--accounts', accountsFile, '--require-account']));
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('uploads as an account holder (password from the environment)', async () => {
    const result = await sendFile(port, ['--account', 'ann'], { NETCHAT_PASSWORD: 'ann pass word' });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(readFileSync(path.join(shared, 'report.csv'), 'utf8')).toBe('id,total\n1,42\n');
  });

  it('is refused with a wrong account password (LOGIN_FAILED, exit 4)', async () => {
    const result = await sendFile(port, ['--account', 'ann', '--password-file', wrongPasswordFile]);
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    expect(result.stderr).toMatch(/LOGIN_FAILED/);
  });

  it('refuses the anonymous upload with a clear message (ACCOUNT_REQUIRED, exit 4)', async () => {
    const result = await sendFile(port, []);
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    expect(result.stderr).toMatch(/ACCOUNT_REQUIRED .*AUTH/);
    expect(result.stderr).toMatch(/--account/);
  });

  it('asks for the account with a password file, and the password with --account (usage errors)', async () => {
    expect((await sendFile(port, ['--password-file', rightPasswordFile])).code).toBe(EXIT.USAGE);
    expect((await sendFile(port, ['--account', 'ann'])).code).toBe(EXIT.USAGE);
  });
});
