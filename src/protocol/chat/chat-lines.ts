// The chat wire format, both directions, as pure string functions. docs/PROTOCOL.md is the
// reference; a change here changes it too. User-supplied text is sanitized before it is put
// into a line, and names cannot hold spaces, ':' or ']', so every line parses one way only.
import { parseFileServerLine, type FileServerEvent } from '../files/file-lines.ts';
import { parseAccountServerLine, type AccountServerEvent } from '../accounts/account-lines.ts';
import type { ErrorCode } from './error-codes.ts';
import { sanitizeText } from '../shared/text-sanitize.ts';

// ---------------------------------------------------------------------------------------------
// Client → server

export const CLIENT_VERBS = [
  'JOIN',
  'BROADCAST',
  'UNICAST',
  'JOIN_GROUP',
  'LEAVE_GROUP',
  'GROUP_MSG',
  'LIST_GROUPS',
  'LIST_USERS',
  'QUIT',
  'PING',
  'PONG',
  'LIMITS',
  'HELP',
] as const;

export type ClientVerb = (typeof CLIENT_VERBS)[number];

export interface CommandLine {
  /** The first word, upper-cased (verbs are case-insensitive). */
  verb: string;
  /** Everything after the first space, verbatim. */
  rest: string;
}

/** Split a received line into its verb and the rest. */
export function splitCommand(line: string): CommandLine {
  const space = line.indexOf(' ');
  if (space === -1) return { verb: asciiUpperCase(line), rest: '' };
  return { verb: asciiUpperCase(line.slice(0, space)), rest: line.slice(space + 1) };
}

/** Verbs are ASCII in any case; Unicode's case mapping would read `joın` (dotless ı) or `ſ` as JOIN's letters. */
function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** The first space-separated word of `text` and what follows it. */
export function splitWord(text: string): [word: string, rest: string] {
  const trimmed = text.replace(/^ +/, '');
  const space = trimmed.indexOf(' ');
  if (space === -1) return [trimmed, ''];
  return [trimmed.slice(0, space), trimmed.slice(space + 1)];
}

/**
 * Split a command's parameters, for the server's commands and the client's slash commands
 * alike: words separated by one or more spaces, and the last of `params` is the rest of the
 * line from its first non-space character (so message text keeps its spaces). A blank last
 * parameter counts as absent.
 */
export function splitParams(text: string, params: number): string[] {
  const args: string[] = [];
  let remaining = text;
  for (let i = 0; i < params - 1; i++) {
    const [word, after] = splitWord(remaining);
    if (word === '') return args;
    args.push(word);
    remaining = after;
  }
  if (params > 0) {
    const last = remaining.replace(/^ +/, '');
    if (last.trim() !== '') args.push(last);
  }
  return args;
}

/** Lines a client sends. */
export const clientLine = {
  join: (name: string) => `JOIN ${name}`,
  broadcast: (text: string) => `BROADCAST ${text}`,
  unicast: (to: string, text: string) => `UNICAST ${to} ${text}`,
  joinGroup: (group: string) => `JOIN_GROUP ${group}`,
  leaveGroup: (group: string) => `LEAVE_GROUP ${group}`,
  groupMessage: (group: string, text: string) => `GROUP_MSG ${group} ${text}`,
  listGroups: (after?: string) => (after === undefined ? 'LIST_GROUPS' : `LIST_GROUPS AFTER ${after}`),
  listUsers: (after?: string) => (after === undefined ? 'LIST_USERS' : `LIST_USERS AFTER ${after}`),
  quit: (reason?: string) => (reason ? `QUIT ${reason}` : 'QUIT'),
  pong: (token: string) => (token ? `PONG ${token}` : 'PONG'),
  limits: () => 'LIMITS',
};

/**
 * The parameters of `LIST_USERS [AFTER <name>]` and `LIST_GROUPS [AFTER <name>]`: the name the
 * listing continues after, or undefined for the first page; undefined as a whole when they are
 * something else.
 */
export function parseListArgs(rest: string): { after?: string } | undefined {
  const text = rest.trim();
  if (text === '') return {};
  const match = /^AFTER +(\S+)$/i.exec(text);
  return match ? { after: match[1]! } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Server → client

export interface GroupSummary {
  name: string;
  members: number;
}

/** Lines the server sends. Text from users is sanitized here, once, for every recipient. */
export const serverLine = {
  greeting: () => '[Server] Welcome to netchat. Register with: JOIN <name>',
  welcome: (name: string, online: number) =>
    `[Server] Welcome, ${name}! ${online} ${online === 1 ? 'user' : 'users'} online. Type HELP for commands.`,
  broadcast: (from: string, text: string) => `[Broadcast] ${from}: ${sanitizeText(text)}`,
  private: (from: string, text: string) => `[Private] ${from}: ${sanitizeText(text)}`,
  group: (group: string, from: string, text: string) => `[Group ${group}] ${from}: ${sanitizeText(text)}`,
  userJoined: (name: string) => `[Server] ${name} has joined the chat.`,
  userLeft: (name: string, reason?: string) =>
    reason ? `[Server] ${name} has left the chat (${sanitizeText(reason)}).` : `[Server] ${name} has left the chat.`,
  joinedGroup: (group: string, members: number) =>
    `[Server] You joined group ${group} (${members} ${members === 1 ? 'member' : 'members'}).`,
  leftGroup: (group: string) => `[Server] You left group ${group}.`,
  memberJoinedGroup: (group: string, name: string) => `[Server] ${name} joined group ${group}.`,
  memberLeftGroup: (group: string, name: string) => `[Server] ${name} left group ${group}.`,
  /** Joins and leaves held back by the server's announce rate, summed up once their second is over. */
  notAnnounced: (joins: number, leaves: number, perSecond: number) =>
    `[Server] Not announced: ${count(joins, 'join')} and ${count(leaves, 'leave')} (more than ${perSecond} a second).`,
  users: (names: readonly string[]) => `[Users] ${names.join(', ')}`,
  groups: (groups: readonly GroupSummary[]) =>
    groups.length === 0 ? '[Groups] none' : `[Groups] ${groups.map((g) => `${g.name} (${g.members})`).join(', ')}`,
  /** The last line of a LIST_USERS reply; names where to continue when the page was not the last. */
  usersEnd: (shown: number, total: number, continueAfter?: string) =>
    `[Users] ${count(shown, 'user')}, ${total} in total.${continueAfter === undefined ? '' : ` More: LIST_USERS AFTER ${continueAfter}`}`,
  /** The last line of a LIST_GROUPS reply, as usersEnd. */
  groupsEnd: (shown: number, total: number, continueAfter?: string) =>
    `[Groups] ${count(shown, 'group')}, ${total} in total.${continueAfter === undefined ? '' : ` More: LIST_GROUPS AFTER ${continueAfter}`}`,
  limits: (values: Readonly<Record<string, number>>) =>
    `[Limits] ${Object.entries(values)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  help: (line: string) => `[Help] ${line}`,
  goodbye: (name: string) => `[Server] Goodbye, ${name}.`,
  shutdown: () => '[Server] Server is shutting down.',
  /** The one builder of error lines; the text may quote the client's own words, so it is sanitized. */
  error: (code: ErrorCode, message: string) => `ERROR ${code} ${sanitizeText(message)}`,
  ping: (token: string) => `PING ${token}`,
  pong: (token: string) => (token ? `PONG ${sanitizeText(token)}` : 'PONG'),
};

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Every line the chat port sends, the shared-files lines included, as one event type. */
export type ServerEvent =
  | FileServerEvent
  | AccountServerEvent
  | { type: 'greeting'; text: string }
  | { type: 'welcome'; name: string; online: number; text: string }
  | { type: 'broadcast'; from: string; text: string }
  | { type: 'private'; from: string; text: string }
  | { type: 'group'; group: string; from: string; text: string }
  | { type: 'user-joined'; name: string }
  | { type: 'user-left'; name: string; reason?: string }
  | { type: 'joined-group'; group: string; members: number }
  | { type: 'left-group'; group: string }
  | { type: 'member-joined-group'; group: string; name: string }
  | { type: 'member-left-group'; group: string; name: string }
  | { type: 'users'; names: string[] }
  | { type: 'groups'; groups: GroupSummary[] }
  | { type: 'users-end'; shown: number; total: number; continueAfter?: string }
  | { type: 'groups-end'; shown: number; total: number; continueAfter?: string }
  | { type: 'limits'; limits: Record<string, number> }
  | { type: 'help'; text: string }
  | { type: 'goodbye'; name: string }
  | { type: 'shutdown'; text: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'ping'; token: string }
  | { type: 'pong'; token: string }
  | { type: 'notice'; text: string };

const NAME = '([A-Za-z0-9_][A-Za-z0-9_.-]*)';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => ServerEvent]> = [
  [new RegExp(`^\\[Broadcast\\] ${NAME}: (.*)$`, 's'), (m) => ({ type: 'broadcast', from: m[1]!, text: m[2]! })],
  [new RegExp(`^\\[Private\\] ${NAME}: (.*)$`, 's'), (m) => ({ type: 'private', from: m[1]!, text: m[2]! })],
  [
    new RegExp(`^\\[Group ${NAME}\\] ${NAME}: (.*)$`, 's'),
    (m) => ({ type: 'group', group: m[1]!, from: m[2]!, text: m[3]! }),
  ],
  [
    new RegExp(`^\\[Server\\] Welcome, ${NAME}! (\\d+) users? online\\.`),
    (m) => ({ type: 'welcome', name: m[1]!, online: Number(m[2]), text: m.input.slice('[Server] '.length) }),
  ],
  [/^\[Server\] Welcome to netchat\./, (m) => ({ type: 'greeting', text: m.input.slice('[Server] '.length) })],
  [new RegExp(`^\\[Server\\] ${NAME} has joined the chat\\.$`), (m) => ({ type: 'user-joined', name: m[1]! })],
  [
    new RegExp(`^\\[Server\\] ${NAME} has left the chat(?: \\((.*)\\))?\\.$`, 's'),
    (m) => (m[2] === undefined ? { type: 'user-left', name: m[1]! } : { type: 'user-left', name: m[1]!, reason: m[2] }),
  ],
  [
    new RegExp(`^\\[Server\\] You joined group ${NAME} \\((\\d+) members?\\)\\.$`),
    (m) => ({ type: 'joined-group', group: m[1]!, members: Number(m[2]) }),
  ],
  [new RegExp(`^\\[Server\\] You left group ${NAME}\\.$`), (m) => ({ type: 'left-group', group: m[1]! })],
  [
    new RegExp(`^\\[Server\\] ${NAME} joined group ${NAME}\\.$`),
    (m) => ({ type: 'member-joined-group', name: m[1]!, group: m[2]! }),
  ],
  [
    new RegExp(`^\\[Server\\] ${NAME} left group ${NAME}\\.$`),
    (m) => ({ type: 'member-left-group', name: m[1]!, group: m[2]! }),
  ],
  [new RegExp(`^\\[Server\\] Goodbye, ${NAME}\\.$`), (m) => ({ type: 'goodbye', name: m[1]! })],
  [/^\[Server\] Server is shutting down\.$/, (m) => ({ type: 'shutdown', text: m.input.slice('[Server] '.length) })],
  [
    new RegExp(`^\\[Users\\] (\\d{1,15}) users?, (\\d{1,15}) in total\\.(?: More: LIST_USERS AFTER ${NAME})?$`),
    (m) => ({ type: 'users-end', ...listEnd(m) }),
  ],
  [
    new RegExp(`^\\[Groups\\] (\\d{1,15}) groups?, (\\d{1,15}) in total\\.(?: More: LIST_GROUPS AFTER ${NAME})?$`),
    (m) => ({ type: 'groups-end', ...listEnd(m) }),
  ],
  [/^\[Users\] (.*)$/, (m) => ({ type: 'users', names: m[1] ? m[1].split(', ') : [] })],
  [
    /^\[Groups\] (.*)$/,
    (m) => ({
      type: 'groups',
      groups:
        m[1] === 'none'
          ? []
          : m[1]!.split(', ').map((entry) => {
              const [, name = entry, members = '0'] = /^(\S+) \((\d+)\)$/.exec(entry) ?? [];
              return { name, members: Number(members) };
            }),
    }),
  ],
  [
    /^\[Limits\] (.*)$/,
    (m) => ({
      type: 'limits',
      limits: Object.fromEntries(
        m[1]!
          .split(' ')
          .map((pair) => pair.split('='))
          .filter((pair): pair is [string, string] => pair.length === 2)
          .map(([key, value]) => [key, Number(value)]),
      ),
    }),
  ],
  [/^\[Help\] (.*)$/s, (m) => ({ type: 'help', text: m[1]! })],
  [/^ERROR (\S+) ?(.*)$/s, (m) => ({ type: 'error', code: m[1]!, message: m[2]! })],
  [/^PING ?(.*)$/, (m) => ({ type: 'ping', token: m[1]! })],
  [/^PONG ?(.*)$/, (m) => ({ type: 'pong', token: m[1]! })],
];

function listEnd(m: RegExpExecArray): { shown: number; total: number; continueAfter?: string } {
  return { shown: Number(m[1]), total: Number(m[2]), ...(m[3] !== undefined && { continueAfter: m[3] }) };
}

/** Read one line from the server as an event; anything unrecognised is a plain notice. */
export function parseServerLine(line: string): ServerEvent {
  const account = parseAccountServerLine(line);
  if (account) return account;
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  const file = parseFileServerLine(line);
  if (file) return file;
  return { type: 'notice', text: line.startsWith('[Server] ') ? line.slice('[Server] '.length) : line };
}
