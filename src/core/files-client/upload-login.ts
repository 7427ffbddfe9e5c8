// Logging in on an upload's own connection: PASS and AUTH, each answered before the next line,
// right after the greeting and before UPLOAD (see docs/PROTOCOL.md, "Uploads after a login").
import { accountClientLine, parseAccountServerLine } from '../../protocol/accounts/account-lines.ts';
import { parseServerLine } from '../../protocol/chat/chat-lines.ts';
import { sanitizeText } from '../../protocol/shared/text-sanitize.ts';
import { TransferError, type TransferConnection } from './transfer-connection.ts';

/** The passwords to log in with; neither: an anonymous (guest's) upload. */
export interface UploadLogin {
  /** The server password (PASS). */
  serverPassword?: string;
  /** An account (AUTH), which also stands for the server password. */
  account?: { name: string; password: string };
}

/** Send the login lines, waiting for each answer; a refusal is a TransferError with the server's code. */
export async function logInForUpload(connection: TransferConnection, login: UploadLogin): Promise<void> {
  if (login.serverPassword !== undefined) {
    connection.writeLine(accountClientLine.pass(login.serverPassword));
    await loginAnswer(connection, 'password-accepted');
  }
  if (login.account) {
    connection.writeLine(accountClientLine.auth(login.account.name, login.account.password));
    await loginAnswer(connection, 'logged-in');
  }
}

async function loginAnswer(connection: TransferConnection, expected: 'password-accepted' | 'logged-in'): Promise<void> {
  for (;;) {
    const line = await connection.readLine();
    const account = parseAccountServerLine(line);
    if (account?.type === expected) return;
    // The greeting and the server's hint of what it asks for come first: not answers.
    if (account?.type === 'login-hint') continue;
    const chat = parseServerLine(line);
    if (chat.type === 'greeting') continue;
    if (chat.type === 'error') throw new TransferError(chat.code, sanitizeText(chat.message));
    throw new TransferError('BAD_REPLY', `unexpected answer to the login: ${sanitizeText(line.slice(0, 120))}`);
  }
}
