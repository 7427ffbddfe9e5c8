#!/usr/bin/env node
import { stripVTControlCharacters } from 'node:util';
import type { CommandDef } from 'citty';
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
// loads only when a command runs or usage is printed.
export const main: CommandDef = {
  meta: {
    name: 'netchat',
    version: packageJson.version,
    description: 'Network chat and file sharing from the terminal',
  },
  subCommands: subCommands as CommandDef['subCommands'],
};

async function commandFor(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  const name = rawArgs.find((arg) => !arg.startsWith('-'));
  if (name && name in subCommands) {
    return [(await subCommands[name as keyof typeof subCommands]()) as CommandDef, main];
  }
  return [main, undefined];
}

/** Usage text with colour only on a terminal that wants it. */
async function writeUsage(stream: NodeJS.WriteStream, rawArgs: string[], suffix = ''): Promise<void> {
  const { renderUsage } = await import('citty');
  const text = (await renderUsage(...(await commandFor(rawArgs)))) + suffix;
  const colour = stream.isTTY && !process.env.NO_COLOR;
  stream.write(`${colour ? text : stripVTControlCharacters(text)}\n`);
}

// citty's runMain prints usage errors to stdout and exits 1; netchat keeps stdout for data and
// gives usage errors their own exit code.
async function run(rawArgs: string[]): Promise<void> {
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(`${packageJson.version}\n`);
    return;
  }
  if (rawArgs.includes('--help') || rawArgs.includes('-h')) {
    await writeUsage(process.stdout, rawArgs);
    return;
  }
  if (rawArgs.length === 0) {
    await writeUsage(process.stderr, rawArgs);
    process.exitCode = EXIT.USAGE;
    return;
  }
  try {
    const { runCommand } = await import('citty');
    await runCommand(main, { rawArgs });
  } catch (error) {
    const isUsage = error instanceof UsageError || (error as Error).name === 'CLIError';
    if (!isUsage) throw error;
    await writeUsage(process.stderr, rawArgs, `\n\nerror: ${(error as Error).message}`);
    process.exitCode = EXIT.USAGE;
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`netchat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT.FAILURE);
});
