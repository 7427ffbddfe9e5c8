// `serve`'s accounts: the flags, reading the accounts file and the server password, the bans
// in the state folder, and the log lines of logins and operator actions. Passwords are never
// logged: events carry names, addresses and outcomes only.
import type { ArgsDef } from 'citty';
import type { ConsolaInstance } from 'consola';
import { AccountService, type AccountEvent } from '../core/accounts/account-service.ts';
import { resolveAccountsLimits } from '../core/accounts/accounts-limits.ts';
import { BanList } from '../core/accounts/ban-list.ts';
import { systemClock } from '../core/shared/clock.ts';
import { accountEntries, parseAccountsFile, type AccountsDocument } from '../protocol/accounts/accounts-file.ts';
import { getRuntime } from '../runtime/index.ts';
import { nodePasswordHashing } from '../runtime/password-hashing.ts';
import { nodeSmallTextFiles } from '../runtime/small-text-files.ts';
import { resolveStateDir } from './_state-dir.ts';
import { parseCount, readFlagFile, UsageError } from './_shared.ts';

export const serveAccountArgs = {
  accounts: {
    type: 'string',
    description: 'Accounts file (netchat account add): registered names need their password (AUTH), operators may KICK and BAN',
    valueHint: 'file',
  },
  'require-account': { type: 'boolean', description: 'Admit only account holders (needs --accounts)', default: false },
  'password-file': {
    type: 'string',
    description: 'A server password everyone must give (PASS) before JOIN: the first line of this file',
    valueHint: 'file',
  },
  'allow-plaintext-auth': {
    type: 'boolean',
    description: 'Accept passwords over unencrypted connections from other machines (anyone on the way can read them)',
    default: false,
  },
  'max-login-hashes': {
    type: 'string',
    description: 'Password checks at once; more wait (up to 32), then are refused with LOGIN_BUSY (default 2)',
    valueHint: 'n',
  },
} as const satisfies ArgsDef;

type ServeAccountFlags = {
  accounts?: string;
  'require-account'?: boolean;
  'password-file'?: string;
  'allow-plaintext-auth'?: boolean;
  'max-login-hashes'?: string;
  'state-dir'?: string;
};

const MAX_ACCOUNTS_FILE_BYTES = 16 * 1024 * 1024;
const MAX_PASSWORD_FILE_BYTES = 64 * 1024;

async function readAccounts(path: string): Promise<AccountsDocument> {
  const text = await readFlagFile('--accounts', path, MAX_ACCOUNTS_FILE_BYTES);
  try {
    return parseAccountsFile(text);
  } catch (error) {
    throw new UsageError(`--accounts ${path}: ${(error as Error).message}`);
  }
}

/** The accounts service `serve` asked for, or undefined when it asked for none of it. */
export async function openServeAccounts(args: ServeAccountFlags, logger: ConsolaInstance): Promise<AccountService | undefined> {
  const accountsPath = args.accounts?.trim();
  const passwordPath = args['password-file']?.trim();
  if (args['require-account'] && !accountsPath) throw new UsageError('--require-account needs --accounts FILE');
  const maxConcurrentHashes = parseCount(args['max-login-hashes'], '--max-login-hashes', 1);
  if (!accountsPath && !passwordPath) return undefined;

  const accounts = accountsPath ? await readAccounts(accountsPath) : undefined;
  let serverPassword: string | undefined;
  if (passwordPath) {
    serverPassword = (await readFlagFile('--password-file', passwordPath, MAX_PASSWORD_FILE_BYTES)).split('\n')[0]!.replace(/\r$/, '');
    if (serverPassword === '') throw new UsageError(`--password-file ${passwordPath}: the first line is empty`);
  }
  const files = getRuntime().files;
  const stateDir = files.resolve(resolveStateDir(args['state-dir']));
  await files.makeDirectory(stateDir, { recursive: true });
  const bansPath = files.join(stateDir, 'bans');
  let bans: BanList;
  try {
    bans = await BanList.open({
      files: nodeSmallTextFiles,
      path: bansPath,
      onSaveError: (error) => logger.error(`cannot save the bans in ${bansPath}: ${(error as NodeJS.ErrnoException).code ?? error.message}`),
    });
  } catch (error) {
    throw new UsageError(`${bansPath}: ${(error as Error).message}`);
  }
  const service = new AccountService({
    accounts,
    serverPassword,
    requireAccount: Boolean(args['require-account']),
    allowPlaintextAuth: Boolean(args['allow-plaintext-auth']),
    limits: resolveAccountsLimits({ maxConcurrentHashes }),
    hashing: nodePasswordHashing,
    clock: systemClock,
    bans,
    onEvent: (event) => logAccountEvent(logger, event),
  });
  if (accounts) {
    const operators = accountEntries(accounts).filter((entry) => entry.operator).length;
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const only = args['require-account'] ? '; only account holders may join' : '';
    logger.info(`${count(service.accountCount, 'account')} (${count(operators, 'operator')}) from ${accountsPath}${only}`);
  }
  if (serverPassword !== undefined) logger.info('a server password is required (PASS)');
  if (bans.size > 0) logger.info(`${bans.size} bans from ${bansPath}`);
  return service;
}

/** SIGHUP: read the accounts file again; a broken file keeps the accounts in use. */
export function reloadAccountsOnHangup(service: AccountService | undefined, accountsPath: string | undefined, logger: ConsolaInstance): () => void {
  const path = accountsPath?.trim();
  if (!service || !path) return () => {};
  const onHangup = () => {
    readAccounts(path).then(
      (document) => {
        service.replaceAccounts(document);
        logger.info(`SIGHUP: ${service.accountCount} accounts from ${path}`);
      },
      (error: Error) => logger.error(`SIGHUP: kept the accounts in use: ${error.message}`),
    );
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

function logAccountEvent(logger: ConsolaInstance, event: AccountEvent): void {
  switch (event.type) {
    case 'login':
      if (event.outcome === 'ok') return logger.info(`${event.address} logged in as ${event.name}`);
      // The name is whatever the peer typed: quoted, escaped and cut short.
      return logger.warn(`login as ${JSON.stringify(event.name.slice(0, 64))} from ${event.address}: ${event.outcome}`);
    case 'server-password':
      if (event.outcome === 'ok') return logger.debug(`${event.address} gave the server password`);
      return logger.warn(`server password from ${event.address}: ${event.outcome}`);
    case 'kick':
      return logger.info(`${event.by} kicked ${event.name}${event.reason ? `: ${JSON.stringify(event.reason)}` : ''}`);
    case 'ban':
    case 'unban':
      return logger.info(`${event.by} ${event.type === 'ban' ? 'banned' : 'unbanned'} ${event.kind} ${event.target}`);
  }
}
