// How `join` (and `send-file`) log in: the passwords given (a file or the environment, never the
// command line), AUTH and PASS before JOIN (or UPLOAD), and for `join` in a terminal a password
// prompt when the server's answer to JOIN asks for one.
import type { ArgsDef } from 'citty';
import type { ChatClient, JoinResult, LoginResult } from '../core/chat-client/chat-client.ts';
import { accountClientLine } from '../protocol/accounts/account-lines.ts';
import { nameRefusal } from '../ui/join-prompts.ts';
import { askPassword } from '../ui/password-prompt.ts';
import { passwordFromEnv, passwordFromFile } from './_password-input.ts';
import { UsageError } from './_shared.ts';

export const joinLoginArgs = {
  password: { type: 'boolean', description: 'Log in to your account: asks for the password (no echo)', default: false },
  'password-file': {
    type: 'string',
    description: 'Log in with the first line of this file as the password (or set NETCHAT_PASSWORD)',
    valueHint: 'file',
  },
  'server-password-file': {
    type: 'string',
    description: "The server's password (PASS): the first line of this file (or set NETCHAT_SERVER_PASSWORD)",
    valueHint: 'file',
  },
} as const satisfies ArgsDef;

export interface JoinCredentials {
  password: string | undefined;
  serverPassword: string | undefined;
  /** A terminal to ask in when the server wants a password we do not have. */
  interactive: boolean;
}

/** The passwords given for scripts, or asked for up front with --password in a terminal. */
export async function joinCredentials(
  args: { password?: boolean; 'password-file'?: string; 'server-password-file'?: string },
  interactive: boolean,
  name: string | undefined,
  /** Where the prompt is drawn: stderr for commands whose stdout is data. */
  output?: NodeJS.WriteStream,
): Promise<JoinCredentials | undefined> {
  const file = args['password-file']?.trim();
  let password = file ? await passwordFromFile(file, '--password-file') : passwordFromEnv('NETCHAT_PASSWORD');
  const serverFile = args['server-password-file']?.trim();
  const serverPassword = serverFile ? await passwordFromFile(serverFile, '--server-password-file') : passwordFromEnv('NETCHAT_SERVER_PASSWORD');
  if (args.password && password === undefined && !interactive) {
    throw new UsageError('--password asks in a terminal; without one, give --password-file FILE or set NETCHAT_PASSWORD');
  }
  if (args.password && password === undefined) {
    password = await askPassword(`Password for ${name ?? 'your account'}`, output);
    if (password === undefined) return undefined;
  }
  return { password, serverPassword, interactive };
}

const LOGIN_REFUSALS = new Set(['PASSWORD_REQUIRED', 'PASSWORD_WRONG', 'ACCOUNT_REQUIRED', 'LOGIN_FAILED', 'LOGIN_THROTTLED', 'LOGIN_BUSY', 'PLAINTEXT_AUTH_REFUSED']);

/** The server refused to let us in without, or with the given, password (not the name itself). */
export function isLoginRefusal(code: string): boolean {
  return LOGIN_REFUSALS.has(code);
}

/** Why JOIN (or the login before it) was refused, for the user. */
export function refusalMessage(name: string, code: string, message: string): string {
  return isLoginRefusal(code) ? `the server refused the login as "${name}": ${code} ${message}` : nameRefusal(name, code, message);
}

const failed = (result: Exclude<LoginResult, { ok: true }>): JoinResult =>
  result.close ? { ok: false, code: 'CLOSED', message: result.message, close: result.close } : { ok: false, code: result.code, message: result.message };

/**
 * PASS and AUTH as far as we have passwords, then JOIN; in a terminal, a JOIN refused for a
 * missing password asks for it and tries again. A refused login is returned as a refused JOIN.
 */
export async function joinWithLogin(client: ChatClient, name: string, credentials: JoinCredentials): Promise<JoinResult> {
  const sent = { pass: false, auth: false };
  // A password that worked is kept in `credentials`, for joining again after a reconnect.
  const pass = async (password: string) => {
    sent.pass = true;
    const result = await client.login(accountClientLine.pass(password));
    if (result.ok) credentials.serverPassword = password;
    return result;
  };
  const auth = async (password: string) => {
    sent.auth = true;
    const result = await client.login(accountClientLine.auth(name, password));
    if (result.ok) credentials.password = password;
    return result;
  };
  if (credentials.serverPassword !== undefined) {
    const result = await pass(credentials.serverPassword);
    if (!result.ok) return failed(result);
  }
  if (credentials.password !== undefined) {
    const result = await auth(credentials.password);
    if (!result.ok) return failed(result);
  }
  let joined = await client.join(name);
  while (credentials.interactive && !joined.ok && !('close' in joined)) {
    const asks = joined.code === 'PASSWORD_REQUIRED' && !sent.pass ? 'server' : joined.code === 'ACCOUNT_REQUIRED' && !sent.auth ? 'account' : undefined;
    if (!asks) break;
    const password = await askPassword(asks === 'server' ? 'This server asks for a password' : `${name} is a registered name: its password`);
    if (password === undefined) return { ok: false, code: 'CANCELLED', message: 'no password given' };
    const result = await (asks === 'server' ? pass(password) : auth(password));
    if (!result.ok) return failed(result);
    joined = await client.join(name);
  }
  return joined;
}
