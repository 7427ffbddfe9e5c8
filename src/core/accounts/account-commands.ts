// Logins and operator commands, as rows of the chat command table: the one dispatcher checks
// registration and arguments before any of these runs. AUTH and PASS come before JOIN; the
// operator commands answer NOT_OPERATOR to anyone not logged in as an operator.
import { accountServerLine } from '../../protocol/accounts/account-lines.ts';
import { serverLine } from '../../protocol/chat/chat-lines.ts';
import type { CommandSession, CommandSpec } from '../chat/command-table.ts';
import type { RegistryMember } from '../chat/user-registry.ts';
import { addressKey } from '../chat/address-key.ts';
import type { AccountService, AccountSession } from './account-service.ts';
import { parseBanTarget, type Ban } from './ban-list.ts';

/** Why the server removed a user, for the others and the log. */
export type RemovalReason = 'kicked' | 'banned' | 'login-required';

/** What the account commands need of a connection, beyond any command's needs. */
export interface AccountCommandSession extends AccountSession {
  /** Absent on a server without accounts, bans or a server password. */
  readonly accounts: AccountService | undefined;
  /** Close with `finalLine`; the others are told `reason` and `message`. */
  removeByServer(reason: RemovalReason, finalLine: string, message: string): void;
  /** How many lines this connection has sent, the current one included. */
  readonly linesReceived: number;
  /** How many AUTH/PASS lines opened the connection, so that an upload may follow them. */
  loginLines: number;
}

type Session = CommandSession & AccountCommandSession;
type OnlineUser = RegistryMember & AccountCommandSession & { name: string };

export const ACCOUNT_VERBS = ['AUTH', 'PASS', 'KICK', 'BAN', 'UNBAN', 'BANS', 'WHOIS'] as const;
export type AccountVerb = (typeof ACCOUNT_VERBS)[number];

const QUOTE_LIMIT = 40;
const quote = (text: string) => (text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);

/** The service, or an ERROR saying this server has no accounts. */
function service(session: Session, verb: string): AccountService | undefined {
  if (!session.accounts) session.replyError('UNKNOWN_COMMAND', `this server has no accounts (${verb})`);
  return session.accounts;
}

/** The service when the session is an operator's; otherwise the refusal is sent. */
function operatorService(session: Session, verb: string): AccountService | undefined {
  const accounts = service(session, verb);
  if (!accounts) return undefined;
  if (accounts.isOperator(session.account)) return accounts;
  session.replyError('NOT_OPERATOR', `only operators may use ${verb}`);
  return undefined;
}

function onlineUser(session: Session, name: string): OnlineUser | undefined {
  const member = session.registry.member(name);
  if (member) return member as OnlineUser;
  session.replyError('NO_SUCH_USER', `no user named ${quote(name)}`);
  return undefined;
}

/** Close the registered connections a new ban covers (never the operator's own); how many. */
function removeBanned(session: Session, ban: Ban): number {
  const covered = (user: OnlineUser) =>
    ban.kind === 'name' ? user.name.toLowerCase() === ban.target.toLowerCase() : addressKey(user.remoteAddress) === ban.target;
  const targets = [...session.registry.members()].map((m) => m as OnlineUser).filter((user) => user !== session && covered(user));
  for (const user of targets) {
    user.removeByServer('banned', serverLine.error('BANNED', `banned by ${session.name}`), `by ${session.name}`);
  }
  return targets.length;
}

/**
 * An upload as a connection's first line comes before any chance to log in: on a server that
 * asks for a password it is refused, and the connection closed (its bytes must never be read
 * as lines). True when refused.
 */
export function refusedAnonymousUpload(session: Session, verb: string): boolean {
  if (session.name !== undefined || session.transfer || (verb !== 'UPLOAD' && verb !== 'UPLOAD_RAW')) return false;
  const barred = session.accounts?.refuseAnonymous(session);
  if (!barred) return false;
  session.removeByServer('login-required', serverLine.error(barred.code, barred.message), 'login required');
  return true;
}

/**
 * A login among the lines that open the connection keeps an upload after it "first": `send-file`
 * logs in on the connection it uploads on. Counted once the login is answered, whatever the answer
 * (an upload after a failed one is refused as anonymous, with the reason).
 */
function countLoginLine(session: Session, line: number): void {
  if (session.name === undefined && line === session.loginLines + 1) session.loginLines = line;
}

export const ACCOUNT_COMMANDS: Record<AccountVerb, CommandSpec> = {
  AUTH: {
    syntax: 'AUTH <name> <password>',
    summary: 'log in to an account before JOIN (the password is the rest of the line)',
    beforeRegistration: true,
    params: 2,
    minArgs: 2,
    async handler(session: Session, [name, password]) {
      // AUTH <name> <password>
      const line = session.linesReceived;
      await service(session, 'AUTH')?.login(session, name!, password!);
      countLoginLine(session, line);
    },
  },
  PASS: {
    syntax: 'PASS <password>',
    summary: 'give the server password before JOIN (the rest of the line)',
    beforeRegistration: true,
    params: 1,
    minArgs: 1,
    handler(session: Session, [password]) {
      // PASS <password>
      service(session, 'PASS')?.checkServerPassword(session, password!);
      countLoginLine(session, session.linesReceived);
    },
  },
  KICK: {
    syntax: 'KICK <name> [reason]',
    summary: 'operators: disconnect a user',
    beforeRegistration: false,
    params: 2,
    minArgs: 1,
    handler(session: Session, [name, reason]) {
      // KICK <name> [reason]
      const accounts = operatorService(session, 'KICK');
      const user = accounts && onlineUser(session, name!);
      if (!accounts || !user) return;
      const why = reason?.trimEnd();
      const message = `by ${session.name}${why ? `: ${why}` : ''}`;
      user.removeByServer('kicked', serverLine.error('KICKED', `kicked ${message}`), message);
      accounts.record({ type: 'kick', by: session.name!, name: user.name, reason: why });
      session.reply(accountServerLine.kicked(user.name));
    },
  },
  BAN: {
    syntax: 'BAN <name|address>',
    summary: 'operators: refuse a name or an address (IPv4, or IPv6 by its /64) from now on, across restarts',
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session: Session, [text]) {
      // BAN <name|address>
      const accounts = operatorService(session, 'BAN');
      if (!accounts) return;
      const ban = parseBanTarget(text!);
      if (!ban) return session.replyError('BAN_INVALID', `"${quote(text!.trim())}" is neither a user name nor an address`);
      if (accounts.bans.add(ban) === 'full') return session.replyError('BAN_INVALID', 'the ban list is full; UNBAN something first');
      accounts.record({ type: 'ban', by: session.name!, kind: ban.kind, target: ban.target });
      session.reply(accountServerLine.banned(ban.kind, ban.target, removeBanned(session, ban)));
    },
  },
  UNBAN: {
    syntax: 'UNBAN <name|address>',
    summary: 'operators: lift a ban',
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session: Session, [text]) {
      // UNBAN <name|address>
      const accounts = operatorService(session, 'UNBAN');
      if (!accounts) return;
      const ban = parseBanTarget(text!);
      if (!ban) return session.replyError('BAN_INVALID', `"${quote(text!.trim())}" is neither a user name nor an address`);
      if (!accounts.bans.remove(ban)) return session.replyError('NO_SUCH_BAN', `${ban.kind} ${ban.target} is not banned`);
      accounts.record({ type: 'unban', by: session.name!, kind: ban.kind, target: ban.target });
      session.reply(accountServerLine.unbanned(ban.kind, ban.target));
    },
  },
  BANS: {
    syntax: 'BANS',
    summary: 'operators: list the bans',
    beforeRegistration: false,
    params: 0,
    minArgs: 0,
    handler(session: Session) {
      // BANS
      const accounts = operatorService(session, 'BANS');
      if (!accounts) return;
      const entries = accounts.bans.list().map((ban) => `${ban.kind} ${ban.target}`);
      // 50 entries a line: a few KiB, far under the longest line a client reads.
      for (let i = 0; i < entries.length; i += 50) session.reply(accountServerLine.bans(entries.slice(i, i + 50)));
      session.reply(accountServerLine.bansEnd(entries.length));
    },
  },
  WHOIS: {
    syntax: 'WHOIS <name>',
    summary: "operators: a user's address and account",
    beforeRegistration: false,
    params: 1,
    minArgs: 1,
    handler(session: Session, [name]) {
      // WHOIS <name>
      const accounts = operatorService(session, 'WHOIS');
      const user = accounts && onlineUser(session, name!.trimEnd());
      if (!accounts || !user) return;
      session.reply(
        accountServerLine.whois({ name: user.name, address: user.remoteAddress, account: user.account?.name, operator: accounts.isOperator(user.account) }),
      );
    },
  },
};
