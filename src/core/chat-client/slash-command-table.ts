// The slash commands a user can type: each one's names, syntax, help text, argument count and
// what it means (a protocol line to send, or something the client does itself). The parser in
// `slash-commands.ts` checks the argument count before any `run`, so every `run` can trust it.
import { clientLine, splitWord } from '../../protocol/chat/chat-lines.ts';
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import { accountClientLine } from '../../protocol/accounts/account-lines.ts';

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

/** An input that means one protocol line to send. */
export const sendLine = (line: string): InputResult => ({ kind: 'send', line });

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  // /broadcast <message>  — /boardcast is the spelling of the original assignment
  {
    name: 'broadcast',
    aliases: ['boardcast', 'b'],
    syntax: '/broadcast <message>',
    summary: 'send to everyone; plain text does the same',
    minArgs: 1,
    takesText: true,
    run: ([text]) => sendLine(clientLine.broadcast(text!)),
  },
  // /unicast <user> <message>
  {
    name: 'unicast',
    aliases: ['msg', 'm'],
    syntax: '/unicast <user> <message>',
    summary: 'send to one user only',
    minArgs: 2,
    takesText: true,
    run: ([user, text]) => sendLine(clientLine.unicast(user!, text!)),
  },
  // /join <group>
  {
    name: 'join',
    aliases: [],
    syntax: '/join <group>',
    summary: 'join a group, creating it if needed',
    minArgs: 1,
    takesText: false,
    run: ([group]) => sendLine(clientLine.joinGroup(group!)),
  },
  // /leave <group>
  {
    name: 'leave',
    aliases: [],
    syntax: '/leave <group>',
    summary: 'leave a group',
    minArgs: 1,
    takesText: false,
    run: ([group]) => sendLine(clientLine.leaveGroup(group!)),
  },
  // /group <group> <message>
  {
    name: 'group',
    aliases: ['g'],
    syntax: '/group <group> <message>',
    summary: 'send to the members of a group you are in',
    minArgs: 2,
    takesText: true,
    run: ([group, text]) => sendLine(clientLine.groupMessage(group!, text!)),
  },
  // /groups
  {
    name: 'groups',
    aliases: [],
    syntax: '/groups',
    summary: 'list the groups',
    minArgs: 0,
    takesText: false,
    run: () => sendLine(clientLine.listGroups()),
  },
  // /users
  {
    name: 'users',
    aliases: [],
    syntax: '/users',
    summary: 'list the users online',
    minArgs: 0,
    takesText: false,
    run: () => sendLine(clientLine.listUsers()),
  },
  // /files [after]
  {
    name: 'files',
    aliases: ['file', 'ls'],
    syntax: '/files [after]',
    summary: 'list the shared files (a page at a time: /files <last name shown> for more)',
    minArgs: 0,
    takesText: true,
    run: ([after]) => sendLine(fileClientLine.listFiles(after?.trim() || undefined)),
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
    run: ([path]) => ({ kind: 'local', action: 'upload', path: typedPath(path!) }),
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
      return sendLine(accountClientLine.kick(user, reason.trim() || undefined));
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
    run: ([target]) => sendLine(accountClientLine.ban(target!)),
  },
  // /unban <name|address>
  {
    name: 'unban',
    aliases: [],
    syntax: '/unban <name|address>',
    summary: 'operators: lift a ban',
    minArgs: 1,
    takesText: false,
    run: ([target]) => sendLine(accountClientLine.unban(target!)),
  },
  // /bans
  {
    name: 'bans',
    aliases: [],
    syntax: '/bans',
    summary: 'operators: list the bans',
    minArgs: 0,
    takesText: false,
    run: () => sendLine(accountClientLine.bans()),
  },
  // /whois <user>
  {
    name: 'whois',
    aliases: [],
    syntax: '/whois <user>',
    summary: "operators: a user's address and account",
    minArgs: 1,
    takesText: false,
    run: ([user]) => sendLine(accountClientLine.whois(user!)),
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
/**
 * A path as a terminal pastes a dropped file: in single or double quotes (GNOME, KDE, Windows),
 * or with its spaces and shell characters escaped by a backslash (macOS). A backslash before any
 * other character is kept, so `C:\Users\me\file.txt` stays as typed.
 */
export function typedPath(text: string): string {
  const trimmed = text.trim();
  const quoted = /^(['"])(.*)\1$/s.exec(trimmed);
  if (quoted) return quoted[1] === '"' ? quoted[2]!.replace(/\\(["\\$`])/g, '$1') : quoted[2]!;
  return trimmed.replace(/\\([ '"()[\]{}&;$!#*?<>|`~])/g, '$1');
}

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
