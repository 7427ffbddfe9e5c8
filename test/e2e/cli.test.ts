// The root command under every runtime: version, help for every command, usage errors (exit 2,
// nothing on stdout), and plain text when the output is not a terminal.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, ROOT, runCli, spawnCli } from '../helpers/cli.ts';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// One file per subcommand in src/commands/ (files starting with `_` are shared code): the
// source of truth for what `--help` must list, so a command left out of the map fails here.
const COMMANDS = readdirSync(path.join(ROOT, 'src/commands'))
  .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const ESC = '\u001b';
// What a terminal-less environment looks like: nobody asked for colour, nobody forbade it.
const NO_COLOUR_PREFERENCE = { NO_COLOR: undefined, FORCE_COLOR: undefined };

describe(`netchat root command [${CLI_RUNTIME}]`, () => {
  it('has at least the serve command to check', () => {
    expect(COMMANDS).toContain('serve');
  });

  it.each([['--version'], ['-v']])('%s prints the package version on stdout', async (flag) => {
    const result = await runCli([flag]);
    expect(result).toMatchObject({ code: EXIT.OK, stdout: `${VERSION}\n` });
  });

  it('--help lists every command on stdout', async () => {
    const result = await runCli(['--help']);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
  });

  it.each(COMMANDS.map((name) => [name]))('%s --help shows that command’s usage', async (name) => {
    const result = await runCli([name, '--help']);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout).toMatch(new RegExp(`USAGE netchat ${name}\\b`));
  });

  it.each([
    ['no arguments', []],
    ['an unknown command', ['no-such-command']],
    ['a bad option value', ['serve', '--port', '65536']],
  ])('%s is a usage error: exit 2, usage on stderr, nothing on stdout', async (_, args) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/USAGE netchat/);
  });

  it.each([
    ['--help', ['--help']],
    ['serve --help', ['serve', '--help']],
    ['a usage error', ['no-such-command']],
  ])('%s has no colour codes when the output is not a terminal', async (_, args) => {
    const result = await runCli(args, { env: NO_COLOUR_PREFERENCE });
    expect(result.stdout + result.stderr).toMatch(/USAGE/);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stderr).not.toContain(ESC);
  });

  it('logs of a running server have no colour codes when stderr is not a terminal', async () => {
    const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0'], { env: NO_COLOUR_PREFERENCE });
    try {
      await server.waitForStderr(/127\.0\.0\.1:\d+/);
    } finally {
      server.child.kill('SIGTERM');
    }
    await server.exited;
    expect(server.stderr()).not.toContain(ESC);
    expect(server.stdout()).not.toContain(ESC);
  });
});

// The README is the user's reference: a command or option it does not mention fails here, so
// it grows with the commands. Text only, so once is enough: under Node.
describe.runIf(CLI_RUNTIME === 'node')('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it.each(COMMANDS.map((name) => [name]))('documents netchat %s and every one of its options', async (name) => {
    expect(readme).toContain(`netchat ${name}`);
    const help = await runCli([name, '--help']);
    expect(help.code, help.stderr).toBe(EXIT.OK);
    const options = [...new Set([...help.stdout.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!))];
    expect(options.length).toBeGreaterThan(0);
    const missing = options.filter((option) => !new RegExp(`--${option}(?![a-z0-9-])`).test(readme));
    expect(missing, `options of ${name} missing from README.md`).toEqual([]);
  });
});
