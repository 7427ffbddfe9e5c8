// What one line typed into `netchat udp-join` (or read from its pipe) means. The UDP chat has
// one room and no commands but leaving, so plain text is a message, `/quit` and `/help` are
// done by the client itself, and `//text` sends text that starts with `/`. Any other `/word` is
// refused here, so that a mistyped command is not shown to everyone.
import type { UdpSendResult } from './udp-chat-client.ts';

export type UdpLocalAction = 'help' | 'quit';

export type UdpSubmitResult =
  | { kind: 'sent' }
  | { kind: 'local'; action: UdpLocalAction }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'empty' };

const LOCAL: Record<string, UdpLocalAction> = { quit: 'quit', exit: 'quit', help: 'help', '?': 'help' };

const HELP: ReadonlyArray<[syntax: string, summary: string]> = [
  ['<message>', 'send to everyone in the chat'],
  ['//<text>', 'send text that starts with /'],
  ['/help', 'show this list (/?)'],
  ['/quit', 'leave the chat (/exit)'],
];

/** Interpret one input line and queue the message it is, if it is one. */
export function submitUdpInput(client: { send(text: string): UdpSendResult }, input: string): UdpSubmitResult {
  if (input.trim() === '') return { kind: 'empty' };
  let text = input;
  if (input.startsWith('//')) text = input.slice(1);
  else if (input.startsWith('/')) {
    const word = input.slice(1).split(' ', 1)[0]!.toLowerCase();
    const action = LOCAL[word];
    if (action && input.slice(1 + word.length).trim() === '') return { kind: 'local', action };
    return { kind: 'error', code: 'UNKNOWN_COMMAND', message: `unknown command /${word}: type /help for the list, //${input.slice(1)} to send it` };
  }
  const sent = client.send(text);
  return sent.ok ? { kind: 'sent' } : { kind: 'error', code: sent.code, message: sent.message };
}

/** The /help text, one line per entry. */
export function udpHelpLines(): string[] {
  const width = Math.max(...HELP.map(([syntax]) => syntax.length));
  return HELP.map(([syntax, summary]) => `${syntax.padEnd(width)}  ${summary}`);
}
