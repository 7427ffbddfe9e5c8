// Tab completion of the word being typed: a command name after `/` at the start of the line,
// otherwise a user or group name, the kind the command expects there (a group after /join,
// a user after /msg), or either in plain text.
import { SLASH_COMMANDS } from './slash-commands.ts';

export interface CompletionNames {
  readonly users: Iterable<string>;
  readonly groups: Iterable<string>;
}

/** The candidates for the last word of `line`, and that word (what they replace). */
export interface Completion {
  candidates: string[];
  word: string;
}

type Expected = 'user' | 'group' | 'any' | 'none';

/** What each command takes as its first argument; later words are text. */
const FIRST_ARGUMENT: Record<string, Expected> = {
  unicast: 'user',
  query: 'user',
  join: 'group',
  leave: 'group',
  group: 'group',
  switch: 'group',
  download: 'none',
  upload: 'none',
  files: 'none',
};

const COMMAND_KEYS = SLASH_COMMANDS.flatMap((command) => [command.name, ...command.aliases]);

function commandFor(word: string) {
  const key = word.toLowerCase();
  return SLASH_COMMANDS.find((command) => command.name === key || command.aliases.includes(key));
}

/** What completing the line's last word offers; no candidates when nothing matches. */
export function completeInput(line: string, names: CompletionNames): Completion {
  const word = /[^ ]*$/.exec(line)![0];
  const before = line.slice(0, line.length - word.length);
  if (before === '' && word.startsWith('/') && !word.startsWith('//')) {
    const typed = word.slice(1).toLowerCase();
    // Names first, then aliases, each once: `/he` offers /help, not /help and /?.
    const names = SLASH_COMMANDS.map((command) => command.name).filter((name) => name.startsWith(typed));
    const aliases = COMMAND_KEYS.filter((key) => key.length > 1 && key.startsWith(typed) && !names.includes(key));
    return { word, candidates: [...names, ...aliases].map((name) => `/${name} `) };
  }
  const expected = expectedAt(before);
  const pool = expected === 'user' ? [...names.users] : expected === 'group' ? [...names.groups] : expected === 'any' ? [...names.users, ...names.groups] : [];
  const unique = [...new Set(pool)].filter((name) => name.startsWith(word)).sort();
  // A name alone at the start of plain text is someone addressed: `bob: `, as chat clients do.
  const suffix = before === '' && expected === 'any' ? ': ' : ' ';
  return { word, candidates: unique.map((name) => name + suffix) };
}

function expectedAt(before: string): Expected {
  if (!before.startsWith('/') || before.startsWith('//')) return 'any';
  const words = before.trim().split(/ +/);
  const command = commandFor(words[0]!.slice(1));
  if (!command) return 'none';
  if (words.length === 1) return FIRST_ARGUMENT[command.name] ?? 'any';
  return 'any';
}
