// What one line typed by the user (or read from a pipe) means: a protocol line to send, or
// something the client does itself. Slash commands are a table; one dispatcher checks the
// argument count before any builder runs, so every builder can trust its arguments.
import { clientLine, splitParams, splitWord } from '../../protocol/chat/chat-lines.ts';
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import { accountClientLine } from '../../protocol/accounts/account-lines.ts';
import type { SendResult } from './chat-client.ts';
import { splitMessage } from './message-split.ts';
import { outgoingMessage, type OwnMessage } from './outgoing-message.ts';
import { nearestWord } from '../shared/nearest-word.ts';

/** What the client does itself rather than send. */
export type LocalAction =
  | { action: 'help' }
  /** `reason`: the /quit message, passed on to the others. */
  | { action: 'quit'; reason?: string }
  /** Plain text goes to `target` from now on; undefined: to everyone. */
  | { action: 'target'; target?: ChatTarget }
  /** `udp` undefined: the client's default transport. */
  | { action: 'download'; name: string; udp?: boolean }
  | { action: 'upload'; path: string };

/** Where plain text goes when it is not everyone: one user (/query) or one group (/switch). */
export interface ChatTarget {
  kind: 'user' | 'group';
  name: string;
}

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
  // /kick <user> [reason]
  {
    name: 'kick',
    aliases: [],
    syntax: '/kick <user> [reason]',
    summary: 'operators: disconnect a user',
    minArgs: 1,
    takesText: true,
    run: ([text]) => {
      const [user, reason] = splitWord(text!);
      return send(accountClientLine.kick(user, reason.trim() || undefined));
    },
  },
  // /ban <name|address>
  {
    name: 'ban',
    aliases: [],
    syntax: '/ban <name|address>',
    summary: 'operators: refuse a name or an address from now on',
    minArgs: 1,
    takesText: false,
    run: ([target]) => send(accountClientLine.ban(target!)),
  },
  // /unban <name|address>
  {
    name: 'unban',
    aliases: [],
    syntax: '/unban <name|address>',
    summary: 'operators: lift a ban',
    minArgs: 1,
    takesText: false,
    run: ([target]) => send(accountClientLine.unban(target!)),
  },
  // /bans
  {
    name: 'bans',
    aliases: [],
    syntax: '/bans',
    summary: 'operators: list the bans',
    minArgs: 0,
    takesText: false,
    run: () => send(accountClientLine.bans()),
  },
  // /whois <user>
  {
    name: 'whois',
    aliases: [],
    syntax: '/whois <user>',
    summary: "operators: a user's address and account",
    minArgs: 1,
    takesText: false,
    run: ([user]) => send(accountClientLine.whois(user!)),
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
  // /quit [message]
  {
    name: 'quit',
    aliases: ['exit'],
    syntax: '/quit [message]',
    summary: 'leave the chat, telling the others why if you like',
    minArgs: 0,
    takesText: true,
    run: ([reason]) => (reason?.trim() ? { kind: 'local', action: 'quit', reason: reason.trim() } : { kind: 'local', action: 'quit' }),
  },
  ...targetCommands(),
];

/** /query and /switch: the current target, which plain text goes to. */
function targetCommands(): SlashCommand[] {
  const target = (kind: ChatTarget['kind'], name: string | undefined): InputResult =>
    name === undefined ? { kind: 'local', action: 'target' } : { kind: 'local', action: 'target', target: { kind, name } };
  return [
    // /query [user]
    {
      name: 'query',
      aliases: ['q'],
      syntax: '/query [user]',
      summary: 'send plain text to one user from now on; /query alone: to everyone again',
      minArgs: 0,
      takesText: false,
      run: ([user]) => target('user', user),
    },
    // /switch [group]
    {
      name: 'switch',
      aliases: [],
      syntax: '/switch [group]',
      summary: 'send plain text to a group from now on; /switch alone: to everyone again',
      minArgs: 0,
      takesText: false,
      run: ([group]) => target('group', group),
    },
  ];
}

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
  const key = nearestWord(word, BY_NAME.keys(), word.length <= 3 ? 1 : 2);
  return key === undefined ? undefined : BY_NAME.get(key);
}

/**
 * One input line with a current target: plain text (and `//text`) goes to the target, the rest
 * means what it always does.
 */
export function parseTargetedInput(input: string, target: ChatTarget | undefined): InputResult {
  if (!target || input.trim() === '' || (input.startsWith('/') && !input.startsWith('//'))) return parseInput(input);
  const text = input.startsWith('//') ? input.slice(1) : input;
  return send(target.kind === 'user' ? clientLine.unicast(target.name, text) : clientLine.groupMessage(target.name, text));
}

export type SubmitResult =
  /** `messages`: what the user said, once each however many lines it took. */
  | { kind: 'sent'; messages: OwnMessage[] }
  | ({ kind: 'local' } & LocalAction)
  | { kind: 'error'; code: string; message: string }
  | { kind: 'empty' };

/** What submitting needs of the client; without `maxLineBytes` a message is never split. */
export interface InputSender {
  send(line: string): SendResult;
  readonly maxLineBytes?: number;
}

/**
 * Parse one input line and queue what it means; both interactive and pipe mode go through here.
 * A message too long for one line is sent as several, each under the server's line limit.
 */
export function submitInput(client: InputSender, input: string, target?: ChatTarget): SubmitResult {
  const parsed = parseTargetedInput(input, target);
  if (parsed.kind !== 'send') return parsed;
  const outgoing = outgoingMessage(parsed.line);
  const lines = outgoing && client.maxLineBytes !== undefined ? splitLine(parsed.line, outgoing.prefix, client.maxLineBytes) : [parsed.line];
  for (const line of lines) {
    const sent = client.send(line);
    if (!sent.ok) return { kind: 'error', code: sent.code, message: sent.message };
  }
  return { kind: 'sent', messages: outgoing ? [outgoing.message] : [] };
}

/** The message line as lines under `maxLineBytes`, each with the message's prefix. */
function splitLine(line: string, prefix: string, maxLineBytes: number): string[] {
  const room = maxLineBytes - new TextEncoder().encode(prefix).length;
  // A recipient so long that no text fits: send it whole, and let the client refuse it.
  if (room < 4) return [line];
  return splitMessage(line.slice(prefix.length), room).map((part) => prefix + part);
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
