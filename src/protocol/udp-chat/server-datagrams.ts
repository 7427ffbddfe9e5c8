// What the UDP chat server sends, as pure string functions, and how a client reads it back.
// Three texts are the original UDP chat's and must stay exactly as they are, so that its
// client and `nc -u` users can chat with netchat users: `[SERVER] <name> has joined the chat.`,
// `<name> ~ <message>` and `[SERVER] Server is shutting down.` docs/PROTOCOL.md is the reference.
import { sanitizeText } from '../shared/text-sanitize.ts';
import { JOIN_CODE_PATTERN } from './join-code.ts';
import type { UdpErrorCode } from './udp-error-codes.ts';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Datagrams the server sends. User text is sanitized here, once, for every recipient. */
export const serverDatagram = {
  joined: (name: string) => `[SERVER] ${name} has joined the chat.`,
  relay: (name: string, text: string) => `${name} ~ ${sanitizeText(text)}`,
  shutdown: () => '[SERVER] Server is shutting down.',
  left: (name: string, reason?: string) =>
    reason ? `[SERVER] ${name} has left the chat (${reason}).` : `[SERVER] ${name} has left the chat.`,
  welcome: (name: string, online: number, limits: Readonly<Record<string, number>>) =>
    `[SERVER] Welcome, ${name}! ${plural(online, 'user')} online. Send /quit to leave; ` +
    `an empty line now and then keeps you in. Limits: ${Object.entries(limits)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  goodbye: (name?: string) => (name ? `[SERVER] Goodbye, ${name}.` : '[SERVER] Goodbye.'),
  pong: (token: string) => (token ? `[SERVER] pong ${sanitizeText(token)}` : '[SERVER] pong'),
  probe: (name: string, waitMs: number) =>
    `[SERVER] Still there, ${name}? Someone at your IP address asks for this name: ` +
    `send anything within ${waitMs / 1000} s to keep it.`,
  error: (code: UdpErrorCode, text: string) => `[SERVER] ${code}: ${sanitizeText(text)}`,
};

// Each list runs from the most helpful form to the shortest; the server sends the first one
// that fits in what it may still send to an address it has not proven (see pickWithin).

/** The join code, as text for a person and as a code for a program. */
export function challengeForms(code: string, name: string): string[] {
  return [`[SERVER] Send ${code} to join as ${name}.`, `[SERVER] Send ${code} to join.`, `[SERVER] ${code}`];
}

/** A refusal or warning: with its text when there is room, else the code alone. */
export function errorForms(code: UdpErrorCode, text: string): string[] {
  return [serverDatagram.error(code, text), `[SERVER] ${code}`];
}

const encoder = new TextEncoder();

/** The first of `forms` whose UTF-8 encoding fits in `budget` bytes, encoded; undefined if none does. */
export function pickWithin(forms: readonly string[], budget: number): Uint8Array | undefined {
  for (const form of forms) {
    // Most forms are ASCII: their length is their size, and too long ones are skipped unencoded.
    if (form.length > budget) continue;
    const bytes = encoder.encode(form);
    if (bytes.length <= budget) return bytes;
  }
  return undefined;
}

export type UdpServerEvent =
  | { type: 'message'; from: string; text: string }
  | { type: 'user-joined'; name: string }
  | { type: 'user-left'; name: string; reason?: string }
  | { type: 'welcome'; name: string; online: number; limits: Record<string, number> }
  | { type: 'challenge'; code: string }
  | { type: 'probe'; name: string }
  | { type: 'goodbye'; name?: string }
  | { type: 'pong'; token: string }
  | { type: 'shutdown'; text: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'notice'; text: string };

const NAME = '([A-Za-z0-9_][A-Za-z0-9_.-]*)';
const SERVER = '\\[SERVER\\] ';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => UdpServerEvent]> = [
  [new RegExp(`^${NAME} ~ (.*)$`, 's'), (m) => ({ type: 'message', from: m[1]!, text: m[2]! })],
  [new RegExp(`^${SERVER}${NAME} has joined the chat\\.$`), (m) => ({ type: 'user-joined', name: m[1]! })],
  [
    new RegExp(`^${SERVER}${NAME} has left the chat(?: \\((.*)\\))?\\.$`, 's'),
    (m) => (m[2] === undefined ? { type: 'user-left', name: m[1]! } : { type: 'user-left', name: m[1]!, reason: m[2] }),
  ],
  [/^\[SERVER\] Server is shutting down\.$/, (m) => ({ type: 'shutdown', text: m.input.slice('[SERVER] '.length) })],
  [
    new RegExp(`^${SERVER}Welcome, ${NAME}! (\\d+) users? online\\.`),
    (m) => ({ type: 'welcome', name: m[1]!, online: Number(m[2]), limits: limitsIn(m.input) }),
  ],
  [
    new RegExp(`^${SERVER}(?:Send )?(${JOIN_CODE_PATTERN})(?: to join(?: as ${NAME})?\\.)?$`),
    (m) => ({ type: 'challenge', code: m[1]! }),
  ],
  [new RegExp(`^${SERVER}Still there, ${NAME}\\?`), (m) => ({ type: 'probe', name: m[1]! })],
  [
    new RegExp(`^${SERVER}Goodbye(?:, ${NAME})?\\.$`),
    (m) => (m[1] === undefined ? { type: 'goodbye' } : { type: 'goodbye', name: m[1] }),
  ],
  [/^\[SERVER\] pong(?: (.*))?$/s, (m) => ({ type: 'pong', token: m[1] ?? '' })],
  [/^\[SERVER\] ([A-Z][A-Z_]+)(?:: (.*))?$/s, (m) => ({ type: 'error', code: m[1]!, message: m[2] ?? '' })],
];

/** `key=value` pairs with numeric values after `Limits:` in a welcome. */
function limitsIn(text: string): Record<string, number> {
  const at = text.indexOf('Limits: ');
  if (at === -1) return {};
  const limits: Record<string, number> = {};
  for (const pair of text.slice(at + 'Limits: '.length).split(' ')) {
    const [key, value] = pair.split('=');
    if (key && value !== undefined && Number.isFinite(Number(value)) && value !== '') limits[key] = Number(value);
  }
  return limits;
}

/** Read one datagram from the server (already decoded and sanitized); anything else is a notice. */
export function parseServerDatagram(text: string): UdpServerEvent {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) return build(match);
  }
  return { type: 'notice', text: text.startsWith('[SERVER] ') ? text.slice('[SERVER] '.length) : text };
}
