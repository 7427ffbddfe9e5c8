// How chat events look to a person (plain text, colour only when asked) and to a program
// (one JSON object per event). Pure functions: the caller decides where the text goes.
import type { OwnMessage } from '../core/chat-client/outgoing-message.ts';
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import { formatSize } from '../protocol/files/file-sizes.ts';

const SGR = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

type StyleName = keyof typeof SGR;

export type Paint = (style: StyleName, text: string) => string;

export function painter(colour: boolean): Paint {
  if (!colour) return (_style, text) => text;
  return (style, text) => `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`;
}

// Each name keeps one colour, so a busy room stays readable.
const NAME_COLOURS: StyleName[] = ['cyan', 'green', 'yellow', 'blue', 'magenta'];

function nameColour(name: string): StyleName {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return NAME_COLOURS[hash % NAME_COLOURS.length]!;
}

const whoPainted = (paint: Paint, name: string) => paint('bold', paint(nameColour(name), name));

/** The one look of an error, the server's or the client's own. */
export function formatProblem(code: string, message: string, paint: Paint): string {
  return paint('red', `error ${code}: ${message}`);
}

/** The one look of a notice: something that happened, not something someone said. */
export function formatNotice(text: string, paint: Paint): string {
  return paint('dim', `* ${text}`);
}

/** What the user said, as the others see it: `alice: hi`, `→ carol: hi`, `[team] you: hi`. */
export function formatOwnMessage(message: OwnMessage, self: string, paint: Paint): string {
  switch (message.to) {
    case 'everyone':
      return `${whoPainted(paint, self)}: ${message.text}`;
    case 'user':
      return `${paint('magenta', '→')} ${whoPainted(paint, message.name)}: ${message.text}`;
    case 'group':
      return `${paint('green', `[${message.name}]`)} ${paint('bold', 'you')}: ${message.text}`;
  }
}

/** `line` after the time it happened, as `stamp` writes it. */
export function withTime(line: string, stamp: ((date: Date) => string) | undefined, date: Date, paint: Paint): string {
  return stamp ? `${paint('dim', `[${stamp(date)}]`)} ${line}` : line;
}

/** One event as a line for a person; undefined for events a person need not see. */
export function formatEvent(event: ServerEvent, paint: Paint): string | undefined {
  const who = (name: string) => whoPainted(paint, name);
  const aside = (text: string) => formatNotice(text, paint);
  switch (event.type) {
    case 'broadcast':
      return `${who(event.from)}: ${event.text}`;
    case 'private':
      return `${paint('magenta', '[private]')} ${who(event.from)}: ${event.text}`;
    case 'group':
      return `${paint('green', `[${event.group}]`)} ${who(event.from)}: ${event.text}`;
    case 'user-joined':
      return aside(`${event.name} joined the chat`);
    case 'user-left':
      return aside(`${event.name} left the chat${event.reason ? ` (${event.reason})` : ''}`);
    case 'joined-group':
      return aside(`you joined group ${event.group} (${plural(event.members, 'member')})`);
    case 'left-group':
      return aside(`you left group ${event.group}`);
    case 'member-joined-group':
      return aside(`${event.name} joined group ${event.group}`);
    case 'member-left-group':
      return aside(`${event.name} left group ${event.group}`);
    case 'users':
      return `Users online (${event.names.length}): ${event.names.join(', ')}`;
    case 'groups':
      return event.groups.length === 0
        ? 'No groups yet: /join <group> creates one'
        : `Groups: ${event.groups.map((g) => `${g.name} (${g.members})`).join(', ')}`;
    case 'users-end':
      // The end of a listing says something only when the listing was cut to a page.
      return event.continueAfter === undefined ? undefined : paint('dim', `(${event.shown} of ${event.total} users shown)`);
    case 'groups-end':
      if (event.total === 0) return 'No groups yet: /join <group> creates one';
      return event.continueAfter === undefined ? undefined : paint('dim', `(${event.shown} of ${event.total} groups shown)`);
    case 'limits':
      return `Limits: ${Object.entries(event.limits).map(([key, value]) => `${key}=${value}`).join(' ')}`;
    case 'help':
    case 'notice':
      return paint('dim', event.text);
    case 'welcome':
    case 'greeting':
      return paint('dim', event.text);
    case 'goodbye':
      return paint('dim', `Goodbye, ${event.name}.`);
    case 'login-hint':
      return paint('dim', event.text);
    case 'logged-in':
      return aside(`logged in as ${event.name}${event.operator ? ' (operator)' : ''}`);
    case 'password-accepted':
      return aside('server password accepted');
    case 'whois':
      return `${who(event.name)}: address ${event.address}, account ${event.account ?? 'none'}${event.operator ? ', operator' : ''}`;
    case 'shutdown':
      return paint('yellow', event.text);
    case 'error':
      return formatProblem(event.code, event.message, paint);
    case 'file':
      return `  ${event.name}  ${paint('dim', `${formatSize(event.size)}  ${event.mtime.replace('T', ' ').replace('Z', ' UTC')}`)}`;
    case 'files-end':
      return paint(
        'dim',
        event.total === 0
          ? 'No shared files yet: /upload <path> shares one'
          : `${event.shown} of ${event.total} shared files${event.continueAfter === undefined ? '' : `; more: /files ${event.continueAfter}`}`,
      );
    case 'file-shared':
      return aside(`${event.by ?? 'a guest'} shared ${event.name} (${event.sizeText}): /download ${event.name}`);
    // Lines of a transfer connection: the transfer itself reports on them.
    case 'file-start':
    case 'ticket':
    case 'upload-ready':
    case 'file-stored':
    case 'ping':
    case 'pong':
      return undefined;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** One event as a JSON line's object: its type first, then when it arrived, then its fields. */
export function eventJson(event: { type?: unknown }, time: Date): Record<string, unknown> {
  const { type, ...fields } = event;
  return { type, time: time.toISOString(), ...fields };
}

/** Things the client itself reports in --json output, next to the server's events. */
export type LocalEvent =
  | { type: 'error'; code: string; message: string; local: true }
  | { type: 'closed'; reason: string; code?: string; message?: string };
