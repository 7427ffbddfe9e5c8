// Reading the server's answer on a transfer connection: the one reply expected next, or the
// ERROR that stands in its place, as a TransferError carrying the server's code.
import { parseAccountServerLine } from '../../protocol/accounts/account-lines.ts';
import { parseServerLine } from '../../protocol/chat/chat-lines.ts';
import { parseFileServerLine, type FileServerEvent } from '../../protocol/files/file-lines.ts';
import { sanitizeText } from '../../protocol/shared/text-sanitize.ts';
import { TransferError, type TransferConnection } from './transfer-connection.ts';

/**
 * Every connection to the chat port begins with the greeting, or with the ERROR that refuses it
 * (SERVER_FULL, TOO_MANY_CONNECTIONS): read it before anything else, so that what comes next is
 * the answer to what we send.
 */
export async function expectGreeting(connection: TransferConnection): Promise<void> {
  const line = await connection.readLine();
  const event = parseServerLine(line);
  if (event.type === 'greeting') return;
  if (event.type === 'error') throw new TransferError(event.code, sanitizeText(event.message));
  throw new TransferError('NOT_NETCHAT', `not a netchat server: it said ${JSON.stringify(sanitizeText(line.slice(0, 80)))}`);
}

/** The server's next reply, past any greeting (and the line after it saying what logins it asks for). */
export async function nextReply<T extends FileServerEvent['type']>(
  connection: TransferConnection,
  type: T,
): Promise<Extract<FileServerEvent, { type: T }>> {
  for (;;) {
    const line = await connection.readLine();
    if (parseServerLine(line).type === 'greeting' || parseAccountServerLine(line)?.type === 'login-hint') continue;
    return expectReply(line, type);
  }
}

export function expectReply<T extends FileServerEvent['type']>(line: string, type: T): Extract<FileServerEvent, { type: T }> {
  const event = parseFileServerLine(line);
  if (event?.type === type) return event as Extract<FileServerEvent, { type: T }>;
  const chat = parseServerLine(line);
  if (chat.type === 'error') throw new TransferError(chat.code, sanitizeText(chat.message));
  throw new TransferError('BAD_REPLY', `unexpected reply from the server: ${sanitizeText(line.slice(0, 120))}`);
}
