#!/usr/bin/env node
import { stripVTControlCharacters } from 'node:util';
import type { ArgsDef, CommandDef } from 'citty';
import packageJson from '../package.json' with { type: 'json' };
import { EXIT, UsageError } from './commands/_exit.ts';

// Subcommands load lazily: `netchat --version` and `netchat echo` never parse the chat server.
const subCommands = {
  serve: () => import('./commands/serve.ts').then((m) => m.default),
  echo: () => import('./commands/echo.ts').then((m) => m.default),
  join: () => import('./commands/join.ts').then((m) => m.default),
  'send-file': () => import('./commands/send-file.ts').then((m) => m.default),
  'udp-serve': () => import('./commands/udp-serve.ts').then((m) => m.default),
  'udp-join': () => import('./commands/udp-join.ts').then((m) => m.default),
  account: () => import('./commands/account.ts').then((m) => m.default),
};

// A plain object rather than citty's defineCommand (an identity function), so that citty itself
// loads only when a command runs.
export const main: CommandDef = {
  meta: {
    name: 'netchat',
    version: packageJson.version,
    description: 'Network chat and file sharing from the terminal',
  },
  subCommands: subCommands as CommandDef['subCommands'],
};

/** Usage text with colour only on a terminal that wants it. */
async function writeUsage(stream: NodeJS.WriteStream, command: CommandDef, parent?: CommandDef): Promise<void> {
  const { renderUsage, COLOUR_STYLE, PLAIN_STYLE } = await import('./commands/_usage.ts');
  const colour = stream.isTTY && !process.env.NO_COLOR;
  stream.write(`${await renderUsage(command, parent, colour ? COLOUR_STYLE : PLAIN_STYLE)}\n`);
}

/** A usage error: what is wrong in one line, where to read more in another; nothing on stdout. */
function usageError(message: string, helpFor = 'netchat'): void {
  process.stderr.write(`error: ${stripVTControlCharacters(message)}\nTry '${helpFor} --help' for more information.\n`);
  process.exitCode = EXIT.USAGE;
}

/** Arguments before `--`: options after it are positionals (`--help` there is not a request for help). */
function optionsPart(rawArgs: string[]): string[] {
  const end = rawArgs.indexOf('--');
  return end < 0 ? rawArgs : rawArgs.slice(0, end);
}

// citty's runMain prints usage errors to stdout and exits 1, and lets unknown options through;
// netchat keeps stdout for data, checks every command's arguments strictly (_strict-args.ts),
// and gives usage errors their own exit code.
async function run(rawArgs: string[]): Promise<void> {
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v' || rawArgs[0] === '-V')) {
    process.stdout.write(`${packageJson.version}\n`);
    return;
  }
  if (rawArgs.length === 0) {
    await writeUsage(process.stderr, main);
    process.exitCode = EXIT.USAGE;
    return;
  }
  const [name, ...commandArgs] = rawArgs as [string, ...string[]];
  const wantsHelp = optionsPart(rawArgs).some((arg) => arg === '--help' || arg === '-h');
  if (!Object.hasOwn(subCommands, name)) {
    if (wantsHelp && name.startsWith('-')) return writeUsage(process.stdout, main);
    if (name.startsWith('-')) return usageError(`unknown option ${name}`);
    const guess = (await import('./commands/_strict-args.ts')).nearest(name, Object.keys(subCommands));
    return usageError(`unknown command ${JSON.stringify(name)}${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
  const command = (await subCommands[name as keyof typeof subCommands]()) as CommandDef;
  if (wantsHelp) return writeUsage(process.stdout, command, main);
  const helpFor = `netchat ${name}`;
  const { strictArgsProblem } = await import('./commands/_strict-args.ts');
  const problem = strictArgsProblem(command, (command.args ?? {}) as ArgsDef, commandArgs);
  if (problem) return usageError(problem, helpFor);
  try {
    const { runCommand } = await import('citty');
    await runCommand(command, { rawArgs: commandArgs });
  } catch (error) {
    const isUsage = error instanceof UsageError || (error as Error).name === 'CLIError';
    if (!isUsage) throw error;
    usageError((error as Error).message, helpFor);
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`netchat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT.FAILURE);
});
