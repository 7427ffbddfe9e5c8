// What one line typed by the user (or read from a pipe) means: a protocol line to send, or
// something the client does itself. Slash commands are a table; one dispatcher checks the
// argument count before any builder runs, so every builder can trust its arguments.
import { clientLine, splitParams, splitWord } from '../../protocol/chat/chat-lines.ts';
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import type { SendResult } from './chat-client.ts';

/** What the client does itself rather than send. */
export type LocalAction =
  | { action: 'help' }
  | { action: 'quit' }
  /** `udp` undefined: the client's default transport. */
  | { action: 'download'; name: string; udp?: boolean }
  | { action: 'upload'; path: string };

export type InputErrorCode = 'UNKNOWN_COMMAND' | 'MISSING_ARGUMENT';

export type InputResult =
  | { kind: 'send'; line: string }
  | ({ kind: 'local' } & LocalAction)
  | { kind: 'error'; code: InputErrorCode; message: string }
  | { kind: 'empty' };

export interface SlashCommand {
  name: string;
  aliases: readonly string[];
  /** How to call it, shown by /help and in errors. */
  syntax: string;
  summary: string;
  /** Words required; the last word of a command that takes a message is the rest of the line. */
  minArgs: number;
  /** The final argument takes the rest of the line, spaces included. */
  takesText: boolean;
  run: (args: string[]) => InputResult;
}

const send = (line: string): InputResult => ({ kind: 'send', line });

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  // /broadcast <message>  — /boardcast is the spelling of the original assignment
  {
    name: 'broadcast',
    aliases: ['boardcast', 'b'],
    syntax: '/broadcast <message>',
    summary: 'send to everyone; plain text does the same',
    minArgs: 1,
    takesText: true,
    run: ([text]) => send(clientLine.broadcast(text!)),
  },
  // /unicast <user> <message>
  {
    name: 'unicast',
    aliases: ['msg', 'm'],
    syntax: '/unicast <user> <message>',
    summary: 'send to one user only',
    minArgs: 2,
    takesText: true,
    run: ([user, text]) => send(clientLine.unicast(user!, text!)),
  },
  // /join <group>
  {
    name: 'join',
    aliases: [],
    syntax: '/join <group>',
    summary: 'join a group, creating it if needed',
    minArgs: 1,
    takesText: false,
    run: ([group]) => send(clientLine.joinGroup(group!)),
  },
  // /leave <group>
  {
    name: 'leave',
    aliases: [],
    syntax: '/leave <group>',
    summary: 'leave a group',
    minArgs: 1,
    takesText: false,
    run: ([group]) => send(clientLine.leaveGroup(group!)),
  },
  // /group <group> <message>
  {
    name: 'group',
    aliases: ['g'],
    syntax: '/group <group> <message>',
    summary: 'send to the members of a group you are in',
    minArgs: 2,
    takesText: true,
    run: ([group, text]) => send(clientLine.groupMessage(group!, text!)),
  },
  // /groups
  {
    name: 'groups',
    aliases: [],
    syntax: '/groups',
    summary: 'list the groups',
    minArgs: 0,
    takesText: false,
    run: () => send(clientLine.listGroups()),
  },
  // /users
  {
    name: 'users',
    aliases: [],
    syntax: '/users',
    summary: 'list the users online',
    minArgs: 0,
    takesText: false,
    run: () => send(clientLine.listUsers()),
  },
  // /files [after]
  {
    name: 'files',
    aliases: ['file', 'ls'],
    syntax: '/files [after]',
    summary: 'list the shared files (a page at a time: /files <last name shown> for more)',
    minArgs: 0,
    takesText: true,
    run: ([after]) => send(fileClientLine.listFiles(after?.trim() || undefined)),
  },
  // /download <file> [--udp | --tcp]
  {
    name: 'download',
    aliases: ['get'],
    syntax: '/download <file> [--udp|--tcp]',
    summary: 'download a shared file into your download folder, beside the chat (over UDP with --udp)',
    minArgs: 1,
    takesText: true,
    run: ([text]) => {
      const match = /^(.*?)\s+--(udp|tcp)$/.exec(text!.trim());
      if (!match) return { kind: 'local', action: 'download', name: text!.trim() };
      return { kind: 'local', action: 'download', name: match[1]!, udp: match[2] === 'udp' };
    },
  },
  // /upload <path>
  {
    name: 'upload',
    aliases: ['share'],
    syntax: '/upload <path>',
    summary: 'share one of your files with everyone on the server',
    minArgs: 1,
    takesText: true,
    run: ([path]) => ({ kind: 'local', action: 'upload', path: path!.trim() }),
  },
  // /help
  {
    name: 'help',
    aliases: ['?'],
    syntax: '/help',
    summary: 'show these commands',
    minArgs: 0,
    takesText: false,
    run: () => ({ kind: 'local', action: 'help' }),
  },
  // /quit
  {
    name: 'quit',
    aliases: ['exit'],
    syntax: '/quit',
    summary: 'leave the chat',
    minArgs: 0,
    takesText: false,
    run: () => ({ kind: 'local', action: 'quit' }),
  },
];

const BY_NAME = new Map<string, SlashCommand>();
for (const command of SLASH_COMMANDS) {
  for (const key of [command.name, ...command.aliases]) BY_NAME.set(key, command);
}

/** Translate one input line. Plain text is a broadcast; `//text` broadcasts text starting with `/`. */
export function parseInput(input: string): InputResult {
  if (input.trim() === '') return { kind: 'empty' };
  if (!input.startsWith('/')) return send(clientLine.broadcast(input));
  if (input.startsWith('//')) return send(clientLine.broadcast(input.slice(1)));
  const [word, rest] = splitWord(input.slice(1));
  const command = BY_NAME.get(word.toLowerCase());
  if (!command) {
    const guess = closestCommand(word.toLowerCase());
    const hint = guess ? `did you mean ${guess.syntax}?` : 'type /help for the list';
    return { kind: 'error', code: 'UNKNOWN_COMMAND', message: `unknown command /${word}: ${hint}` };
  }
  // A command without text gets one parameter more than it needs: extra words land there, ignored.
  // A command whose text is optional (/files [after]) still takes it as its one parameter.
  const args = splitParams(rest, command.takesText ? Math.max(1, command.minArgs) : command.minArgs + 1);
  if (args.length < command.minArgs) {
    return { kind: 'error', code: 'MISSING_ARGUMENT', message: `usage: ${command.syntax}` };
  }
  return command.run(args);
}

/** The command whose name is nearest to a mistyped one, if any is near enough to suggest. */
function closestCommand(word: string): SlashCommand | undefined {
  let best: SlashCommand | undefined;
  let bestDistance = word.length <= 3 ? 1 : 2;
  for (const [key, command] of BY_NAME) {
    if (key.length < 2) continue;
    const distance = editDistance(word, key);
    if (distance <= bestDistance && (!best || distance < bestDistance)) {
      best = command;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

export type SubmitResult =
  | { kind: 'sent' }
  | ({ kind: 'local' } & LocalAction)
  | { kind: 'error'; code: string; message: string }
  | { kind: 'empty' };

/** Parse one input line and queue what it means; both interactive and pipe mode go through here. */
export function submitInput(client: { send(line: string): SendResult }, input: string): SubmitResult {
  const parsed = parseInput(input);
  if (parsed.kind !== 'send') return parsed;
  const sent = client.send(parsed.line);
  return sent.ok ? { kind: 'sent' } : { kind: 'error', code: sent.code, message: sent.message };
}

/** Aliases that keep working but are not taught: /boardcast is the original assignment's misspelling. */
const UNLISTED_ALIASES: ReadonlySet<string> = new Set(['boardcast']);

/** The /help text: one line per command. */
export function helpLines(): string[] {
  const width = Math.max(...SLASH_COMMANDS.map((c) => c.syntax.length));
  return SLASH_COMMANDS.map((c) => {
    const listed = c.aliases.filter((alias) => !UNLISTED_ALIASES.has(alias));
    const aliases = listed.length ? ` (${listed.map((a) => `/${a}`).join(' ')})` : '';
    return `${c.syntax.padEnd(width)}  ${c.summary}${aliases}`;
  });
}
