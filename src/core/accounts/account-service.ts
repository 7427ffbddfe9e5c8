// What a chat server with accounts decides: who may log in (AUTH), who knows the server
// password (PASS), who may take a name (JOIN), who is banned. Passwords are checked through a
// bounded hash queue, failures throttled per address and per account, and a password is never
// accepted from another machine over an unencrypted connection unless the operator allowed it.
// A password never appears in an event, a log or a reply.
import { accountEntries, type AccountEntry, type AccountsDocument } from '../../protocol/accounts/accounts-file.ts';
import { accountServerLine } from '../../protocol/accounts/account-lines.ts';
import { DEFAULT_SCRYPT, type StoredPassword } from '../../protocol/accounts/password-hash.ts';
import type { ErrorCode } from '../../protocol/chat/error-codes.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import type { PasswordHashing } from '../../runtime/password-hashing.ts';
import { addressKey } from '../chat/address-key.ts';
import type { Clock } from '../shared/clock.ts';
import type { AccountsLimits } from './accounts-limits.ts';
import type { BanList } from './ban-list.ts';
import { HashQueue } from './hash-queue.ts';
import { LoginThrottle } from './login-throttle.ts';
import { verifyPassword } from './password-check.ts';

export interface LoggedInAccount {
  name: string;
  operator: boolean;
}

/** What the accounts need of a connection. */
export interface AccountSession {
  name: string | undefined;
  readonly writable: boolean;
  readonly remoteAddress: string;
  /** The connection is encrypted (TLS). */
  readonly encrypted: boolean;
  account: LoggedInAccount | undefined;
  serverPasswordOk: boolean;
  reply(line: string): void;
  replyError(code: ErrorCode, message: string): void;
}

export type AccountEvent =
  | { type: 'login'; name: string; address: string; outcome: 'ok' | 'failed' | 'throttled' | 'busy' | 'plaintext-refused' }
  | { type: 'server-password'; address: string; outcome: 'ok' | 'failed' | 'throttled' | 'plaintext-refused' }
  | { type: 'kick'; by: string; name: string; reason: string | undefined }
  | { type: 'ban' | 'unban'; by: string; kind: 'name' | 'address'; target: string };

export interface AccountServiceOptions {
  /** The accounts file's contents; undefined when the server has none. */
  accounts: AccountsDocument | undefined;
  /** The password everyone must give (PASS); undefined for none. */
  serverPassword: string | undefined;
  /** Only account holders may join. */
  requireAccount: boolean;
  /** Accept passwords over unencrypted connections from other machines. */
  allowPlaintextAuth: boolean;
  limits: AccountsLimits;
  hashing: PasswordHashing;
  clock: Pick<Clock, 'now'>;
  bans: BanList;
  onEvent?: (event: AccountEvent) => void;
}

export interface JoinRefusal {
  code: ErrorCode;
  message: string;
  /** The server closes the connection after it. */
  closes: boolean;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Whether `address` is this machine's loopback (nothing crosses a network). */
export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK.test(address.replace(/%.*$/, ''));
}

export class AccountService {
  readonly bans: BanList;
  private accounts = new Map<string, AccountEntry>();
  private readonly queue: HashQueue;
  private readonly byAddress: LoginThrottle;
  private readonly byAccount: LoginThrottle;
  /** Checked for unknown names, so that a wrong name takes as long as a wrong password. */
  private decoy!: StoredPassword;
  private readonly serverPassword: Uint8Array | undefined;
  private readonly emit: (event: AccountEvent) => void;

  constructor(private readonly options: AccountServiceOptions) {
    const { limits, clock } = options;
    this.bans = options.bans;
    this.replaceAccounts(options.accounts);
    this.queue = new HashQueue(limits.maxConcurrentHashes, limits.maxWaitingHashes);
    const throttle = { maxFailures: limits.maxLoginFailures, windowMs: limits.loginWindowMs, maxKeys: limits.maxThrottledKeys };
    this.byAddress = new LoginThrottle(throttle, clock);
    this.byAccount = new LoginThrottle(throttle, clock);
    this.serverPassword = options.serverPassword === undefined ? undefined : new TextEncoder().encode(options.serverPassword);
    this.emit = options.onEvent ?? (() => {});
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  /**
   * Whether `account` is an operator's now: by the accounts as last read, so that an operator
   * demoted or removed (and the file reloaded) loses the powers at once, logged in or not.
   */
  isOperator(account: { name: string } | undefined): boolean {
    return account !== undefined && this.accounts.get(nameKey(account.name))?.operator === true;
  }

  /** New accounts (a reloaded file); sessions already logged in stay logged in. */
  replaceAccounts(document: AccountsDocument | undefined): void {
    this.accounts = new Map(accountEntries(document ?? []).map((entry) => [nameKey(entry.name), entry]));
    // The decoy costs what the accounts' own hashes cost (the first account's parameters).
    const { hashing } = this.options;
    const cost = this.accounts.values().next().value?.password ?? DEFAULT_SCRYPT;
    this.decoy = { N: cost.N, r: cost.r, p: cost.p, salt: hashing.randomBytes(DEFAULT_SCRYPT.saltBytes), hash: hashing.randomBytes(DEFAULT_SCRYPT.hashBytes) };
  }

  /** What a new connection is told after the greeting, when this server asks for more than a name. */
  greetingHint(remoteAddress: string, encrypted: boolean): string | undefined {
    const asks = [
      ...(this.serverPassword ? ['PASS <server password>'] : []),
      ...(this.options.requireAccount ? ['AUTH <name> <password>'] : this.accounts.size > 0 ? ['AUTH <name> <password> (registered names)'] : []),
    ];
    if (asks.length === 0) return undefined;
    if (this.plaintextRefused(remoteAddress, encrypted)) {
      return accountServerLine.loginHint('This server asks for a password, and refuses passwords over unencrypted connections from other machines: connect with TLS.');
    }
    return accountServerLine.loginHint(`Before JOIN, send ${asks.join(', then ')}.`);
  }

  /** AUTH <name> <password>. Replies itself; resolves once answered. */
  async login(session: AccountSession, name: string, password: string): Promise<void> {
    if (session.account) return session.replyError('ALREADY_LOGGED_IN', `you are logged in as ${session.account.name}`);
    if (session.name !== undefined) return session.replyError('ALREADY_REGISTERED', 'log in before JOIN');
    const address = session.remoteAddress;
    if (this.refusePlaintext(session)) return this.emit({ type: 'login', name, address, outcome: 'plaintext-refused' });
    this.forgetEndedWindows();
    const wait = Math.max(this.byAddress.wait(addressKey(address)), this.byAccount.wait(nameKey(name)));
    if (wait > 0) {
      this.emit({ type: 'login', name, address, outcome: 'throttled' });
      return session.replyError('LOGIN_THROTTLED', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
    }
    const entry = this.accounts.get(nameKey(name));
    const checking = this.queue.run(() => verifyPassword(this.options.hashing, password, entry?.password ?? this.decoy));
    if (!checking) {
      this.emit({ type: 'login', name, address, outcome: 'busy' });
      return session.replyError('LOGIN_BUSY', 'the server is checking too many logins; try again in a moment');
    }
    const matches = await checking;
    if (!session.writable) return;
    if (!entry || !matches) {
      this.byAddress.fail(addressKey(address));
      // Only real accounts are counted: made-up names must not fill the table.
      if (entry) this.byAccount.fail(nameKey(name));
      this.emit({ type: 'login', name, address, outcome: 'failed' });
      return session.replyError('LOGIN_FAILED', 'wrong name or password');
    }
    session.account = { name: entry.name, operator: entry.operator };
    this.emit({ type: 'login', name: entry.name, address, outcome: 'ok' });
    session.reply(accountServerLine.loggedIn(entry.name, entry.operator));
  }

  /** PASS <password>: the server password. Replies itself. */
  checkServerPassword(session: AccountSession, password: string): void {
    if (!this.serverPassword) return session.replyError('UNKNOWN_COMMAND', 'this server has no server password');
    if (session.serverPasswordOk) return session.replyError('ALREADY_LOGGED_IN', 'the server password was accepted already');
    const address = session.remoteAddress;
    if (this.refusePlaintext(session)) return this.emit({ type: 'server-password', address, outcome: 'plaintext-refused' });
    this.forgetEndedWindows();
    const wait = this.byAddress.wait(addressKey(address));
    if (wait > 0) {
      this.emit({ type: 'server-password', address, outcome: 'throttled' });
      return session.replyError('LOGIN_THROTTLED', `too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`);
    }
    if (!this.serverPasswordMatches(password)) {
      this.byAddress.fail(addressKey(address));
      this.emit({ type: 'server-password', address, outcome: 'failed' });
      return session.replyError('PASSWORD_WRONG', 'wrong server password');
    }
    session.serverPasswordOk = true;
    this.emit({ type: 'server-password', address, outcome: 'ok' });
    session.reply(accountServerLine.passwordAccepted());
  }

  /** Why `session` may not JOIN as `name`, or undefined when it may. */
  refuseJoin(session: AccountSession, name: string): JoinRefusal | undefined {
    if (this.bans.addressBanned(session.remoteAddress)) return { code: 'BANNED', message: 'your address is banned from this server', closes: true };
    if (this.bans.nameBanned(name)) return { code: 'BANNED', message: `the name ${name} is banned from this server`, closes: true };
    const account = session.account;
    if (this.serverPassword && !session.serverPasswordOk && !account) {
      return { code: 'PASSWORD_REQUIRED', message: 'this server asks for a password first: PASS <password>', closes: false };
    }
    if (account && nameKey(account.name) !== nameKey(name)) {
      return { code: 'ACCOUNT_REQUIRED', message: `you are logged in as ${account.name}: JOIN ${account.name}`, closes: false };
    }
    if (!account && this.accounts.has(nameKey(name))) {
      return { code: 'ACCOUNT_REQUIRED', message: `the name ${name} is registered: log in first with AUTH ${name} <password>`, closes: false };
    }
    if (!account && this.options.requireAccount) {
      return { code: 'ACCOUNT_REQUIRED', message: 'only account holders may join this server: AUTH <name> <password>, then JOIN <name>', closes: false };
    }
    return undefined;
  }

  /**
   * Why a connection that has not joined may not upload as its first line (an anonymous
   * upload), or undefined when it may: a server that asks for a password asks it of uploads too.
   */
  refuseAnonymous(session: AccountSession): JoinRefusal | undefined {
    if (this.serverPassword && !session.serverPasswordOk && !session.account) {
      return { code: 'PASSWORD_REQUIRED', message: 'this server asks for a password: send PASS <password> (or AUTH <name> <password>) before the upload, or use join\'s /upload', closes: true };
    }
    if (this.options.requireAccount && !session.account) {
      return { code: 'ACCOUNT_REQUIRED', message: 'only account holders may upload to this server: send AUTH <name> <password> before the upload, or use join\'s /upload', closes: true };
    }
    return undefined;
  }

  /** Operator actions, for the server's log. */
  record(event: Extract<AccountEvent, { type: 'kick' | 'ban' | 'unban' }>): void {
    this.emit(event);
  }

  /** Cheap: the throttles stop at the first window still running. */
  private forgetEndedWindows(): void {
    this.byAddress.sweep();
    this.byAccount.sweep();
  }

  private plaintextRefused(remoteAddress: string, encrypted: boolean): boolean {
    return !encrypted && !this.options.allowPlaintextAuth && !isLoopbackAddress(remoteAddress);
  }

  private refusePlaintext(session: AccountSession): boolean {
    if (!this.plaintextRefused(session.remoteAddress, session.encrypted)) return false;
    session.replyError(
      'PLAINTEXT_AUTH_REFUSED',
      'passwords are not accepted over an unencrypted connection from another machine (anyone on the way could read them): connect with TLS, or the server must run with --allow-plaintext-auth',
    );
    return true;
  }

  /** Compares in time that depends on the server password's length only, never on the guess. */
  private serverPasswordMatches(password: string): boolean {
    const expected = this.serverPassword!;
    const given = new TextEncoder().encode(password);
    const padded = new Uint8Array(expected.length);
    padded.set(given.subarray(0, expected.length));
    return this.options.hashing.equal(padded, expected) && given.length === expected.length;
  }
}
