// The login rules with a stand-in for scrypt (the real one is tested in test/runtime/ and on
// real sockets in account-server-net.test.ts): throttles on the fake clock, the hash queue held
// open by the test, and every refusal by its code.
import { describe, expect, it } from 'vitest';
import { AccountService, isLoopbackAddress, type AccountSession } from '../../../src/core/accounts/account-service.ts';
import { resolveAccountsLimits, type AccountsLimits } from '../../../src/core/accounts/accounts-limits.ts';
import { BanList } from '../../../src/core/accounts/ban-list.ts';
import type { AccountsDocument } from '../../../src/protocol/accounts/accounts-file.ts';
import type { PasswordHashing } from '../../../src/runtime/password-hashing.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const encoder = new TextEncoder();

/** "Hashes" a password to its own bytes; `hold` keeps every hash pending until released. */
class FakeHashing implements PasswordHashing {
  held: Array<() => void> | undefined;
  calls = 0;
  costs: number[] = [];
  async scrypt(password: string, salt: Uint8Array, params: { N: number; keyLength: number }): Promise<Uint8Array> {
    this.calls++;
    this.costs.push(params.N);
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    const out = new Uint8Array(params.keyLength);
    out.set(encoder.encode(password).subarray(0, params.keyLength));
    out[params.keyLength - 1] = salt[0]!;
    return out;
  }
  randomBytes(length: number): Uint8Array {
    return new Uint8Array(length).fill(7);
  }
  equal(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
}

function storedFor(password: string) {
  const hash = new Uint8Array(32);
  hash.set(encoder.encode(password));
  hash[31] = 1;
  return { N: 65536, r: 8, p: 1, salt: new Uint8Array(16).fill(1), hash };
}

const ACCOUNTS: AccountsDocument = [
  { name: 'Ann', password: storedFor('ann-pass'), operator: true },
  { name: 'bob', password: storedFor('bob pass'), operator: false },
];

class Session implements AccountSession {
  name: string | undefined = undefined;
  writable = true;
  account: AccountSession['account'] = undefined;
  serverPasswordOk = false;
  readonly replies: string[] = [];
  constructor(
    readonly remoteAddress = '127.0.0.1',
    readonly encrypted = false,
  ) {}
  reply(line: string): void {
    this.replies.push(line);
  }
  replyError(code: string, message: string): void {
    this.replies.push(`ERROR ${code} ${message}`);
  }
  get last(): string {
    return this.replies.at(-1) ?? '';
  }
}

async function service(options: { serverPassword?: string; requireAccount?: boolean; allowPlaintextAuth?: boolean; limits?: Partial<AccountsLimits> } = {}) {
  const clock = new FakeClock();
  const hashing = new FakeHashing();
  const accounts = new AccountService({
    accounts: ACCOUNTS,
    serverPassword: options.serverPassword,
    requireAccount: options.requireAccount ?? false,
    allowPlaintextAuth: options.allowPlaintextAuth ?? false,
    limits: resolveAccountsLimits(options.limits),
    hashing,
    clock,
    bans: await BanList.open(undefined),
  });
  return { accounts, clock, hashing };
}

describe('AUTH', () => {
  it('logs in with the right password, in any case of the name, and says whether an operator', async () => {
    const { accounts } = await service();
    const session = new Session();
    await accounts.login(session, 'ann', 'ann-pass');
    expect(session.account).toEqual({ name: 'Ann', operator: true });
    expect(session.last).toBe('[Server] Logged in as Ann (operator).');
    await accounts.login(session, 'ann', 'ann-pass');
    expect(session.last).toMatch(/^ERROR ALREADY_LOGGED_IN /);
  });

  it('refuses a wrong password and an unknown name alike, after hashing both', async () => {
    const { accounts, hashing } = await service();
    const session = new Session();
    await accounts.login(session, 'bob', 'wrong');
    const wrong = session.last;
    await accounts.login(session, 'nobody', 'bob pass');
    expect(session.last).toBe(wrong);
    expect(wrong).toMatch(/^ERROR LOGIN_FAILED /);
    // The made-up name costs what a real account's hash costs.
    expect(hashing.costs).toEqual([65536, 65536]);
    expect(session.account).toBeUndefined();
  });

  it('allows 3 failures a minute per address, then refuses even the right password until the minute is over', async () => {
    const { accounts, clock } = await service();
    const session = new Session();
    for (let i = 0; i < 3; i++) await accounts.login(session, 'bob', `guess ${i}`);
    await accounts.login(session, 'bob', 'bob pass');
    expect(session.last).toMatch(/^ERROR LOGIN_THROTTLED .*60 s/);
    clock.advance(60_000);
    await accounts.login(session, 'bob', 'bob pass');
    expect(session.last).toBe('[Server] Logged in as bob.');
  });

  it('throttles an account guessed at from many addresses', async () => {
    const { accounts } = await service();
    for (let i = 1; i <= 3; i++) await accounts.login(new Session(`127.0.0.${i}`), 'bob', 'guess');
    const fresh = new Session('127.0.0.9');
    await accounts.login(fresh, 'bob', 'bob pass');
    expect(fresh.last).toMatch(/^ERROR LOGIN_THROTTLED /);
    // Another account from that address is not affected.
    await accounts.login(fresh, 'ann', 'ann-pass');
    expect(fresh.account?.name).toBe('Ann');
  });

  it('counts an IPv6 /64 as one address', async () => {
    const { accounts } = await service({ allowPlaintextAuth: true });
    for (let i = 1; i <= 3; i++) await accounts.login(new Session(`2001:db8:0:1::${i}`), 'nobody', 'guess');
    const other = new Session('2001:db8:0:1::ff');
    await accounts.login(other, 'ann', 'ann-pass');
    expect(other.last).toMatch(/^ERROR LOGIN_THROTTLED /);
  });

  it('refuses a login at once when the hash queue is full (2 running, 1 waiting here)', async () => {
    const { accounts, hashing } = await service({ limits: { maxConcurrentHashes: 2, maxWaitingHashes: 1 } });
    hashing.held = [];
    const sessions = [new Session('127.0.0.1'), new Session('127.0.0.2'), new Session('127.0.0.3'), new Session('127.0.0.4')];
    const logins = sessions.map((session) => accounts.login(session, 'bob', 'bob pass'));
    await logins[3];
    expect(sessions[3]!.last).toMatch(/^ERROR LOGIN_BUSY /);
    expect(hashing.calls).toBe(2);
    while (hashing.held.length > 0 || hashing.calls < 3) {
      hashing.held.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(logins);
    expect(sessions.slice(0, 3).map((s) => s.account?.name)).toEqual(['bob', 'bob', 'bob']);
  });

  it('refuses passwords over plain TCP from another machine, unless encrypted or allowed', async () => {
    const { accounts, hashing } = await service();
    const remote = new Session('192.0.2.7');
    await accounts.login(remote, 'bob', 'bob pass');
    expect(remote.last).toMatch(/^ERROR PLAINTEXT_AUTH_REFUSED .*TLS.*--allow-plaintext-auth/);
    expect(remote.last).not.toContain('bob pass');
    expect(hashing.calls).toBe(0);
    const overTls = new Session('192.0.2.7', true);
    await accounts.login(overTls, 'bob', 'bob pass');
    expect(overTls.account?.name).toBe('bob');
    const allowed = (await service({ allowPlaintextAuth: true })).accounts;
    const plain = new Session('192.0.2.7');
    await allowed.login(plain, 'bob', 'bob pass');
    expect(plain.account?.name).toBe('bob');
  });

  it('does not answer a connection that closed while its password was hashed', async () => {
    const { accounts, hashing } = await service();
    hashing.held = [];
    const session = new Session();
    const login = accounts.login(session, 'bob', 'bob pass');
    session.writable = false;
    await new Promise((resolve) => setImmediate(resolve));
    hashing.held.shift()!();
    await login;
    expect(session.replies).toEqual([]);
    expect(session.account).toBeUndefined();
  });
});

describe('loopback', () => {
  it('is 127/8 and ::1, IPv4-mapped included', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['10.0.0.1', '::2', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopbackAddress(address), address).toBe(false);
  });
});

describe('PASS', () => {
  it('accepts the server password once; a wrong one is throttled per address', async () => {
    const { accounts } = await service({ serverPassword: 'open sesame' });
    const session = new Session();
    accounts.checkServerPassword(session, 'open sesam');
    expect(session.last).toMatch(/^ERROR PASSWORD_WRONG /);
    accounts.checkServerPassword(session, 'open sesame!');
    accounts.checkServerPassword(session, '');
    accounts.checkServerPassword(session, 'open sesame');
    expect(session.last).toMatch(/^ERROR LOGIN_THROTTLED /);
    const other = new Session('127.0.0.2');
    accounts.checkServerPassword(other, 'open sesame');
    expect(other.last).toBe('[Server] Password accepted.');
    expect(other.serverPasswordOk).toBe(true);
    accounts.checkServerPassword(other, 'open sesame');
    expect(other.last).toMatch(/^ERROR ALREADY_LOGGED_IN /);
  });

  it('is an unknown command on a server without a server password', async () => {
    const { accounts } = await service();
    const session = new Session();
    accounts.checkServerPassword(session, 'x');
    expect(session.last).toMatch(/^ERROR UNKNOWN_COMMAND /);
  });
});

describe('JOIN', () => {
  it('keeps a registered name for its account, and a logged-in user to that name', async () => {
    const { accounts } = await service();
    const guest = new Session();
    expect(accounts.refuseJoin(guest, 'BOB')).toMatchObject({ code: 'ACCOUNT_REQUIRED', closes: false });
    expect(accounts.refuseJoin(guest, 'carl')).toBeUndefined();
    await accounts.login(guest, 'bob', 'bob pass');
    expect(accounts.refuseJoin(guest, 'Bob')).toBeUndefined();
    expect(accounts.refuseJoin(guest, 'carl')).toMatchObject({ code: 'ACCOUNT_REQUIRED' });
  });

  it('admits only account holders with --require-account', async () => {
    const { accounts } = await service({ requireAccount: true });
    const session = new Session();
    expect(accounts.refuseJoin(session, 'carl')).toMatchObject({ code: 'ACCOUNT_REQUIRED' });
    await accounts.login(session, 'ann', 'ann-pass');
    expect(accounts.refuseJoin(session, 'ann')).toBeUndefined();
  });

  it('asks for the server password first, unless logged in to an account', async () => {
    const { accounts } = await service({ serverPassword: 'pw' });
    const session = new Session();
    expect(accounts.refuseJoin(session, 'carl')).toMatchObject({ code: 'PASSWORD_REQUIRED' });
    accounts.checkServerPassword(session, 'pw');
    expect(accounts.refuseJoin(session, 'carl')).toBeUndefined();
    const member = new Session();
    await accounts.login(member, 'bob', 'bob pass');
    expect(accounts.refuseJoin(member, 'bob')).toBeUndefined();
  });

  it('refuses banned names and addresses, closing', async () => {
    const { accounts } = await service();
    accounts.bans.add({ kind: 'name', target: 'Mallory' });
    accounts.bans.add({ kind: 'address', target: '192.0.2.1' });
    expect(accounts.refuseJoin(new Session(), 'mallory')).toMatchObject({ code: 'BANNED', closes: true });
    expect(accounts.refuseJoin(new Session('192.0.2.1'), 'carl')).toMatchObject({ code: 'BANNED', closes: true });
    expect(accounts.refuseJoin(new Session('::ffff:192.0.2.1'), 'carl')).toMatchObject({ code: 'BANNED' });
  });
});

describe('the greeting hint', () => {
  it('says what to send, or that passwords need TLS from here', async () => {
    const { accounts } = await service({ serverPassword: 'pw', requireAccount: true });
    expect(accounts.greetingHint('127.0.0.1', false)).toBe('[Server] Before JOIN, send PASS <server password>, then AUTH <name> <password>.');
    expect(accounts.greetingHint('192.0.2.1', false)).toMatch(/TLS/);
    expect(accounts.greetingHint('192.0.2.1', true)).toMatch(/^\[Server\] Before JOIN/);
  });
});
