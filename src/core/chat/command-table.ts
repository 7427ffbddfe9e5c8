// The chat commands as one table. A single dispatcher checks registration and argument counts
// and answers with the ERROR line before any handler runs, so a handler only does its own work.
// Handlers reply through the session (which queues, never blocks), never through the socket,
// and reach other users only through the registry. A handler may return a promise (a name
// claimed across a cluster is asynchronous): the session then holds the lines that follow,
// in order, until it settles. After each await such a handler checks `session.writable`: the
// connection may have closed meanwhile.
import { parseListArgs, splitCommand, splitParams, serverLine, type ClientVerb } from '../../protocol/chat/chat-lines.ts';
import type { ErrorCode } from '../../protocol/chat/error-codes.ts';
import { isReservedName } from '../../protocol/shared/names.ts';
import { limitsReplyPairs, type LimitsReplyValues } from '../../protocol/chat/limits-reply.ts';
import { FILE_COMMANDS, type FileCommandSession, type FileVerb } from '../files/file-commands.ts';
import { ACCOUNT_COMMANDS, refusedAnonymousUpload, type AccountCommandSession, type AccountVerb } from '../accounts/account-commands.ts';
import type { UserRegistry, RegistryMember } from './user-registry.ts';
import type { ChatLimits } from './chat-limits.ts';

/** What a command handler may use of the connection that sent the line. */
export interface CommandSession extends RegistryMember, FileCommandSession, AccountCommandSession {
  readonly registry: UserRegistry;
  readonly limits: ChatLimits;
  /** False once the connection is closing: replies are dropped, and nothing should be registered for it. */
  readonly writable: boolean;
  reply(line: string): void;
  replyError(code: ErrorCode, message: string): void;
  /** JOIN succeeded (for the server's log). */
  registered(): void;
  /** Say goodbye and close once everything before has been sent. */
  quit(message?: string): void;
}

type Registered = CommandSession & { name: string };

export interface CommandSpec {
  syntax: string;
  summary: string;
  /** Allowed before a successful JOIN. */
  beforeRegistration: boolean;
  /** Allowed on a connection that TRANSFER turned into a file transfer (nothing else is). */
  onTransferConnection?: boolean;
  /** How many parameters the line is split into; the last takes the rest of the line. */
  params: number;
  /** Parameters that must be present (non-blank). */
  minArgs: number;
  // Parameters are bivariant here so that a feature's table may ask for its own session type.
  handler(this: void, session: CommandSession, args: string[]): void | Promise<void>;
}

/** How many bytes of a client's own words are quoted back in an error message. */
const QUOTE_LIMIT = 40;
const quote = (text: string) => (text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);

const CHAT_COMMANDS: Record<ClientVerb, CommandSpec> = {
  JOIN: {
    syntax: 'JOIN <name>',
    summary: 'register under a name (letters, digits, _ . -)',
    beforeRegistration: true,
    params: 1,
    minArgs: 1,
    handler(session, [name]) {
      // JOIN <name>
      if (session.name !== undefined) return session.replyError('ALREADY_REGISTERED', `you are already ${session.name}`);
      const wanted = name!.trimEnd();
      const barred = session.accounts?.refuseJoin(session, wanted);
      if (barred?.closes) return session.removeByServer('banned', serverLine.error(barred.code, barred.message), 'banned');
      if (barred) return session.replyError(barred.code, barred.message);
      // In a cluster the name is claimed across nodes first; the connection may close meanwhile.
      const claim = session.registry.claim(session, wanted, () => session.writable);
      if (claim) return claim.then((refused) => (session.writable ? answerJoin(session, wanted, refused) : undefined));
      answerJoin(session, wanted, session.registry.add(session, wanted));
    },
  },
  BROADCAST: {
    syntax: 'BROADCAST <text>',
    summary: 'send text to every other user',
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session, [text]) {
      // BROADCAST <text>
      session.registry.broadcast(session as Registered, text!);
    },
  },
  UNICAST: {
    syntax: 'UNICAST <name> <text>',
    summary: 'send text to one user only',
    beforeRegistration: false,
    params: 2,
    minArgs: 2,
    handler(session, [to, text]) {
      // UNICAST <name> <text>
      const refused = session.registry.unicast(session as Registered, to!, text!);
      if (refused) session.replyError(refused, `no user named ${quote(to!)}`);
    },
  },
  JOIN_GROUP: {
    syntax: 'JOIN_GROUP <group>',
    summary: 'join a group, creating it if new',
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session, [name]) {
      // JOIN_GROUP <group>
      const group = session.registry.joinGroup(session as Registered, name!.trimEnd());
      if (typeof group === 'string') return session.replyError(group, groupProblem(group, name!, session.limits));
      session.reply(serverLine.joinedGroup(group.name, group.members.size));
    },
  },
  LEAVE_GROUP: {
    syntax: 'LEAVE_GROUP <group>',
    summary: 'leave a group',
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session, [name]) {
      // LEAVE_GROUP <group>
      const group = session.registry.leaveGroup(session as Registered, name!.trimEnd());
      if (typeof group === 'string') return session.replyError(group, groupProblem(group, name!, session.limits));
      session.reply(serverLine.leftGroup(group.name));
    },
  },
  GROUP_MSG: {
    syntax: 'GROUP_MSG <group> <text>',
    summary: 'send text to the other members of a group you are in',
    beforeRegistration: false,
    params: 2,
    minArgs: 2,
    handler(session, [name, text]) {
      // GROUP_MSG <group> <text>
      const refused = session.registry.groupMessage(session as Registered, name!, text!);
      if (refused) session.replyError(refused, groupProblem(refused, name!, session.limits));
    },
  },
  LIST_GROUPS: {
    syntax: 'LIST_GROUPS [AFTER <group>]',
    summary: 'list groups and their member counts, a page at a time',
    beforeRegistration: false,
    params: 2,
    minArgs: 0,
    handler(session, args) {
      // LIST_GROUPS [AFTER <group>]
      const request = parseListArgs(args.join(' '));
      if (!request) return session.replyError('MISSING_ARGUMENT', `usage: ${COMMANDS.LIST_GROUPS.syntax}`);
      const page = session.registry.groupPage(request.after, session.limits.listPageEntries);
      for (const part of chunks(page.entries, (g) => g.name.length + 16, session.limits.maxLineBytes)) {
        session.reply(serverLine.groups(part));
      }
      session.reply(serverLine.groupsEnd(page.entries.length, page.total, page.continueAfter));
    },
  },
  LIST_USERS: {
    syntax: 'LIST_USERS [AFTER <name>]',
    summary: 'list the users online, a page at a time',
    beforeRegistration: false,
    params: 2,
    minArgs: 0,
    handler(session, args) {
      // LIST_USERS [AFTER <name>]
      const request = parseListArgs(args.join(' '));
      if (!request) return session.replyError('MISSING_ARGUMENT', `usage: ${COMMANDS.LIST_USERS.syntax}`);
      const page = session.registry.userPage(request.after, session.limits.listPageEntries);
      for (const part of chunks(page.entries, (n) => n.length + 2, session.limits.maxLineBytes)) {
        session.reply(serverLine.users(part));
      }
      session.reply(serverLine.usersEnd(page.entries.length, page.total, page.continueAfter));
    },
  },
  QUIT: {
    syntax: 'QUIT [message]',
    summary: 'leave; the server answers, then closes the connection',
    beforeRegistration: true,
    params: 1,
    minArgs: 0,
    handler(session, [message]) {
      // QUIT [message]
      session.quit(message?.trimEnd());
    },
  },
  PING: {
    syntax: 'PING [token]',
    summary: 'the server answers PONG [token]',
    beforeRegistration: false,
    params: 1,
    minArgs: 0,
    handler(session, [token]) {
      // PING [token]
      session.reply(serverLine.pong(token?.trimEnd() ?? ''));
    },
  },
  PONG: {
    syntax: 'PONG [token]',
    summary: 'answer to the server\'s PING (any line will do)',
    beforeRegistration: false,
    params: 1,
    minArgs: 0,
    handler() {
      // PONG [token] — receiving any line already counted as activity.
    },
  },
  LIMITS: {
    syntax: 'LIMITS',
    summary: 'show the line length and flood limits to pace yourself by',
    beforeRegistration: false,
    params: 0,
    minArgs: 0,
    handler(session) {
      // LIMITS
      session.reply(serverLine.limits(limitsReplyPairs(limitsReply(session.limits))));
    },
  },
  HELP: {
    syntax: 'HELP',
    summary: 'this list',
    beforeRegistration: false,
    params: 0,
    minArgs: 0,
    handler(session) {
      // HELP
      for (const spec of Object.values(COMMANDS)) session.reply(serverLine.help(`${spec.syntax} — ${spec.summary}`));
    },
  },
};

type Verb = ClientVerb | FileVerb | AccountVerb;

/** Every command of the chat port: chat, then shared files, then accounts. */
export const COMMANDS: Record<Verb, CommandSpec> = { ...CHAT_COMMANDS, ...FILE_COMMANDS, ...ACCOUNT_COMMANDS };

/**
 * Run one received line: checks, then the handler. Blank lines are ignored. Returns the
 * handler's promise when it has one to wait for.
 */
export function dispatchCommand(session: CommandSession, line: string): Promise<void> | undefined {
  if (line.trim() === '') return undefined;
  const { verb, rest } = splitCommand(line.trimStart());
  const spec = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb as Verb] : undefined;
  if (session.transfer && !spec?.onTransferConnection && verb !== 'QUIT') {
    session.replyError('NOT_REGISTERED', 'this connection carries one file transfer: DOWNLOAD_TCP, UPLOAD or UPLOAD_RAW');
    return undefined;
  }
  if (session.name === undefined && !spec?.beforeRegistration && !(spec?.onTransferConnection && session.transfer)) {
    session.replyError('NOT_REGISTERED', 'register first with: JOIN <name>');
    return undefined;
  }
  if (!spec) {
    session.replyError('UNKNOWN_COMMAND', `unknown command ${quote(verb)}; type HELP`);
    return undefined;
  }
  if (refusedAnonymousUpload(session, verb)) return undefined;
  const args = splitParams(rest, spec.params);
  if (args.length < spec.minArgs) {
    session.replyError('MISSING_ARGUMENT', `usage: ${spec.syntax}`);
    return undefined;
  }
  const result = spec.handler(session, args);
  return result instanceof Promise ? result : undefined;
}

/** The `[Limits]` reply: what a client needs to pace itself and size its buffers. */
export function limitsReply(limits: ChatLimits): LimitsReplyValues {
  return {
    maxLineBytes: limits.maxLineBytes,
    maxReplyBytes: maxReplyBytes(limits),
    floodBurst: limits.floodBurst,
    floodLinesPerSecond: limits.floodLinesPerSecond,
    floodMaxDelayedLines: limits.floodMaxDelayedLines,
    maxNameLength: limits.maxNameLength,
    pingIntervalMs: limits.pingIntervalMs,
    pingTimeoutMs: limits.pingTimeoutMs,
  };
}

/**
 * The longest line the server sends: a relayed line of max-line-bytes whose every byte was
 * replaced by U+FFFD (3 bytes), behind the longest prefix (`[Group <group>] <name>: `).
 */
export function maxReplyBytes(limits: ChatLimits): number {
  return 3 * limits.maxLineBytes + 2 * limits.maxNameLength + 32;
}

function answerJoin(session: CommandSession, wanted: string, refused: ErrorCode | undefined): void {
  if (refused === 'NAME_TAKEN') return session.replyError(refused, `the name ${wanted} is taken; choose another`);
  if (refused === 'NAME_INVALID' && isReservedName(wanted)) return session.replyError(refused, `the name ${wanted} is reserved; choose another`);
  if (refused) {
    return session.replyError(
      refused,
      `invalid name "${quote(wanted)}": 1-${session.limits.maxNameLength} of A-Z a-z 0-9 _ . - (not starting with . or -)`,
    );
  }
  session.reply(serverLine.welcome(wanted, session.registry.userCount));
  session.registered();
}

function groupProblem(code: ErrorCode, name: string, limits: ChatLimits): string {
  if (code === 'GROUP_INVALID') return `invalid group name "${quote(name)}"`;
  if (code === 'ALREADY_IN_GROUP') return `you are already in group ${quote(name)}`;
  if (code === 'TOO_MANY_GROUPS') return `you are in ${limits.maxGroupsPerUser} groups, the most one user may be in; leave one first`;
  if (code === 'GROUPS_FULL') return `the server has ${limits.maxGroups} groups, the most it holds; join an existing one`;
  return `you are not in group ${quote(name)}`;
}

/** Split a list into runs whose joined length stays under `budget` bytes (names are ASCII); none for none. */
function chunks<T>(items: T[], size: (item: T) => number, budget: number): T[][] {
  if (items.length === 0) return [];
  const out: T[][] = [];
  let current: T[] = [];
  let used = 16;
  for (const item of items) {
    const cost = size(item);
    if (current.length > 0 && used + cost > budget) {
      out.push(current);
      current = [];
      used = 16;
    }
    current.push(item);
    used += cost;
  }
  out.push(current);
  return out;
}
