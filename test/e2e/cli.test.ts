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

  it('no arguments: the usage on stderr, exit 2, nothing on stdout', async () => {
    const result = await runCli([]);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/USAGE netchat/);
  });

  // What nc, ping and curl users type by habit, and what citty used to let through silently.
  it.each([
    ['an unknown command', ['no-such-command'], 'no-such-command', 'netchat'],
    ['a name every object has', ['toString'], 'toString', 'netchat'],
    ['an unknown root option', ['--jsn'], '--jsn', 'netchat'],
    ['a bad option value', ['serve', '--port', '65536'], '--port', 'netchat serve'],
    ['an unknown option', ['join', 'bob', '--jsn'], '--jsn', 'netchat join'],
    ['an unknown short option', ['serve', '-x', '1'], '-x', 'netchat serve'],
    ['an unknown letter in a group', ['serve', '-qx'], '-x', 'netchat serve'],
    ['a positional to a command that takes none', ['serve', '127.0.0.1'], '127.0.0.1', 'netchat serve'],
    ['one positional too many', ['join', 'bob', '127.0.0.1', '12000', 'extra'], 'extra', 'netchat join'],
    ['one too many for echo', ['echo', '127.0.0.1', '12345', '2'], '"2"', 'netchat echo'],
    ['an option without its value', ['echo', '127.0.0.1', '-c'], '-c', 'netchat echo'],
    ['a value to --no-…', ['serve', '--no-uploads=yes'], '--no-uploads', 'netchat serve'],
    ['two ports for one server', ['serve', '--host', '127.0.0.1:1', '--port', '2'], '--port', 'netchat serve'],
    ['a port that is not a number', ['join', 'bob', 'localhost:http'], 'localhost:http', 'netchat join'],
  ])('%s is a usage error: exit 2, one line naming it, one pointing at --help', async (_, args, named, helpFor) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines, result.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(named);
    expect(lines[1]).toBe(`Try '${helpFor} --help' for more information.`);
  });

  it('a mistyped option or command is answered with the one meant', async () => {
    expect((await runCli(['join', 'bob', '--jsn'])).stderr).toContain('did you mean --json?');
    expect((await runCli(['srve'])).stderr).toContain('did you mean serve?');
  });

  it('options after -- are arguments: -- --help asks for no help', async () => {
    const result = await runCli(['serve', '--', '--help']);
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(/^error: unexpected argument "--help"/);
  });

  it.each([[[] as string[]], ...COMMANDS.map((name) => [[name]])])('netchat %j --help: defaults written one way, columns lined up', async (command) => {
    const result = await runCli([...command, '--help']);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const help = result.stdout;
    expect(help).not.toMatch(/Default:|default:/);
    expect(help.match(/\bdefault\b/g)?.length ?? 0, help).toBe(help.match(/\(default /g)?.length ?? 0);
    // Each section's rows: two spaces, the left column padded to the widest, two spaces, the text.
    for (const section of help.split(/\n(?=[A-Z]+\n)/).slice(1)) {
      const rows = section.split('\n').filter((line) => line.startsWith('  '));
      expect(rows.length, section).toBeGreaterThan(0);
      // Where the text starts: after the first gap of two spaces or more that follows the left column.
      const textColumns = rows.map((row) => {
        const gap = /\S( {2,})\S/.exec(row);
        return gap ? gap.index + 1 + gap[1]!.length : undefined;
      });
      expect(new Set(textColumns).size, section).toBe(1);
      expect(textColumns[0], section).toBeGreaterThan(2);
      for (const row of rows) expect(row, section).toBe(row.trimEnd());
    }
  });

  it.each([
    ['serve', ['-p, --port', '-v, --verbose', '-q, --quiet', '-h, --help']],
    ['udp-serve', ['-p, --port', '-v, --verbose', '-q, --quiet']],
    ['echo', ['-p, --port', '-c, --count', '-i, --interval', '-W, -w, --timeout', '-u, --udp', '-v, --verbose']],
    ['join', ['-j, --json', '-u, --udp', '-W, -w, --timeout', '-q, --quiet']],
    ['udp-join', ['-j, --json', '-W, -w, --timeout', '-v, --verbose']],
    ['send-file', ['-j, --json', '-W, -w, --timeout', '-q, --quiet']],
  ])('%s --help lists its short flags', async (name, flags) => {
    const result = await runCli([name, '--help']);
    for (const flag of flags) expect(result.stdout).toMatch(new RegExp(`^ {2}${flag} `, 'm'));
  });

  it.each([
    ['--help', ['--help']],
    ['serve --help', ['serve', '--help']],
    ['a usage error', ['no-such-command']],
    ['no arguments', []],
  ])('%s has no colour codes when the output is not a terminal', async (_, args) => {
    const result = await runCli(args, { env: NO_COLOUR_PREFERENCE });
    expect(result.stdout + result.stderr).toMatch(/USAGE|error:/);
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
