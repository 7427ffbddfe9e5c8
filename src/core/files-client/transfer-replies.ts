// Reading the server's answer on a transfer connection: the one reply expected next, or the
// ERROR that stands in its place, as a TransferError carrying the server's code.
import { parseServerLine } from '../../protocol/chat/chat-lines.ts';
import { parseFileServerLine, type FileServerEvent } from '../../protocol/files/file-lines.ts';
import { sanitizeText } from '../../protocol/shared/text-sanitize.ts';
import { TransferError, type TransferConnection } from './transfer-connection.ts';

/** The server's next reply, past the greeting every connection to the chat port begins with. */
export async function nextReply<T extends FileServerEvent['type']>(
  connection: TransferConnection,
  type: T,
): Promise<Extract<FileServerEvent, { type: T }>> {
  for (;;) {
    const line = await connection.readLine();
    if (parseServerLine(line).type !== 'greeting') return expectReply(line, type);
  }
}

export function expectReply<T extends FileServerEvent['type']>(line: string, type: T): Extract<FileServerEvent, { type: T }> {
  const event = parseFileServerLine(line);
  if (event?.type === type) return event as Extract<FileServerEvent, { type: T }>;
  const chat = parseServerLine(line);
  if (chat.type === 'error') throw new TransferError(chat.code, sanitizeText(chat.message));
  throw new TransferError('BAD_REPLY', `unexpected reply from the server: ${sanitizeText(line.slice(0, 120))}`);
}
