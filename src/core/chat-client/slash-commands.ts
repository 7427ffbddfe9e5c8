// What one line typed by the user (or read from a pipe) means: a protocol line to send, or
// something the client does itself. The slash commands are a table (`slash-command-table.ts`);
// one dispatcher here checks the argument count before any builder runs, so every builder can
// trust its arguments.
import { clientLine, splitParams, splitWord } from '../../protocol/chat/chat-lines.ts';
import type { SendResult } from './chat-client.ts';
import { splitMessage } from './message-split.ts';
import { outgoingMessage, type OwnMessage } from './outgoing-message.ts';
import { nearestWord } from '../shared/nearest-word.ts';
import { sendLine, SLASH_COMMANDS, type ChatTarget, type InputResult, type LocalAction, type SlashCommand } from './slash-command-table.ts';

export { SLASH_COMMANDS, type ChatTarget, type InputErrorCode, type InputResult, type LocalAction, type SlashCommand } from './slash-command-table.ts';

const BY_NAME = new Map<string, SlashCommand>();
for (const command of SLASH_COMMANDS) {
  for (const key of [command.name, ...command.aliases]) BY_NAME.set(key, command);
}

/** Translate one input line. Plain text is a broadcast; `//text` broadcasts text starting with `/`. */
export function parseInput(input: string): InputResult {
  if (input.trim() === '') return { kind: 'empty' };
  if (!input.startsWith('/')) return sendLine(clientLine.broadcast(input));
  if (input.startsWith('//')) return sendLine(clientLine.broadcast(input.slice(1)));
  const [word, rest] = splitWord(input.slice(1));
  const command = BY_NAME.get(word.toLowerCase());
  if (!command) {
    const guess = closestCommand(word.toLowerCase());
    const hint = guess ? `did you mean ${guess.syntax}?` : 'type /help for the list';
    return { kind: 'error', code: 'UNKNOWN_COMMAND', message: `unknown command /${word}: ${hint}` };
  }
  // A command without text gets one parameter more than it needs: extra words land there, ignored.
  // A command whose text is optional (/files [after]) still takes it as its one parameter.
  const args = splitParams(rest, command.takesText ? Math.max(1, command.minArgs) : command.minArgs + 1);
  if (args.length < command.minArgs) {
    return { kind: 'error', code: 'MISSING_ARGUMENT', message: `usage: ${command.syntax}` };
  }
  return command.run(args);
}

/** The command whose name is nearest to a mistyped one, if any is near enough to suggest. */
function closestCommand(word: string): SlashCommand | undefined {
  const key = nearestWord(word, BY_NAME.keys(), word.length <= 3 ? 1 : 2);
  return key === undefined ? undefined : BY_NAME.get(key);
}

/**
 * One input line with a current target: plain text (and `//text`) goes to the target, the rest
 * means what it always does.
 */
export function parseTargetedInput(input: string, target: ChatTarget | undefined): InputResult {
  if (!target || input.trim() === '' || (input.startsWith('/') && !input.startsWith('//'))) return parseInput(input);
  const text = input.startsWith('//') ? input.slice(1) : input;
  return sendLine(target.kind === 'user' ? clientLine.unicast(target.name, text) : clientLine.groupMessage(target.name, text));
}

export type SubmitResult =
  /** `messages`: what the user said, once each however many lines it took. */
  | { kind: 'sent'; messages: OwnMessage[] }
  | ({ kind: 'local' } & LocalAction)
  | { kind: 'error'; code: string; message: string }
  | { kind: 'empty' };

/** What submitting needs of the client; without `maxLineBytes` a message is never split. */
export interface InputSender {
  send(line: string): SendResult;
  readonly maxLineBytes?: number;
}

/**
 * Parse one input line and queue what it means; both interactive and pipe mode go through here.
 * A message too long for one line is sent as several, each under the server's line limit.
 */
export function submitInput(client: InputSender, input: string, target?: ChatTarget): SubmitResult {
  const parsed = parseTargetedInput(input, target);
  if (parsed.kind !== 'send') return parsed;
  const outgoing = outgoingMessage(parsed.line);
  const lines = outgoing && client.maxLineBytes !== undefined ? splitLine(parsed.line, outgoing.prefix, client.maxLineBytes) : [parsed.line];
  for (const line of lines) {
    const sent = client.send(line);
    if (!sent.ok) return { kind: 'error', code: sent.code, message: sent.message };
  }
  return { kind: 'sent', messages: outgoing ? [outgoing.message] : [] };
}

/** The message line as lines under `maxLineBytes`, each with the message's prefix. */
function splitLine(line: string, prefix: string, maxLineBytes: number): string[] {
  const room = maxLineBytes - new TextEncoder().encode(prefix).length;
  // A recipient so long that no text fits: send it whole, and let the client refuse it.
  if (room < 4) return [line];
  return splitMessage(line.slice(prefix.length), room).map((part) => prefix + part);
}

/** Aliases that keep working but are not taught: /boardcast is the original assignment's misspelling. */
const UNLISTED_ALIASES: ReadonlySet<string> = new Set(['boardcast']);

/** The /help text: one line per command. */
export function helpLines(): string[] {
  const width = Math.max(...SLASH_COMMANDS.map((c) => c.syntax.length));
  return SLASH_COMMANDS.map((c) => {
    const listed = c.aliases.filter((alias) => !UNLISTED_ALIASES.has(alias));
    const aliases = listed.length ? ` (${listed.map((a) => `/${a}`).join(' ')})` : '';
    return `${c.syntax.padEnd(width)}  ${c.summary}${aliases}`;
  });
}
