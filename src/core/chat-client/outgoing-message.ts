// A protocol line that carries a message, read back into who it is for and what it says: the
// one place the client knows which of its lines are messages, so that a long one can be split
// (the limit counting the text, not the verb and recipient before it) and shown as the user's own.
import { splitCommand, splitParams } from '../../protocol/chat/chat-lines.ts';

export type OwnMessage =
  | { to: 'everyone'; text: string }
  | { to: 'user'; name: string; text: string }
  | { to: 'group'; name: string; text: string };

export interface OutgoingMessage {
  message: OwnMessage;
  /** The line up to the text: `BROADCAST `, `UNICAST bob `. */
  prefix: string;
}

/** The message a line carries, or undefined for a line that is not a message. */
export function outgoingMessage(line: string): OutgoingMessage | undefined {
  const { verb, rest } = splitCommand(line);
  if (verb === 'BROADCAST' && rest !== '') return { message: { to: 'everyone', text: rest }, prefix: line.slice(0, line.length - rest.length) };
  if (verb !== 'UNICAST' && verb !== 'GROUP_MSG') return undefined;
  const [name, text] = splitParams(rest, 2);
  if (name === undefined || text === undefined) return undefined;
  const prefix = line.slice(0, line.length - text.length);
  return verb === 'UNICAST' ? { message: { to: 'user', name, text }, prefix } : { message: { to: 'group', name, text }, prefix };
}
