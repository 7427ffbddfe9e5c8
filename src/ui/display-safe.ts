// Everything the server sends ends up on the user's terminal, and a terminal obeys what it is
// sent: ESC and the C1 controls start sequences that set the window title (OSC 0), write the
// clipboard (OSC 52) or clear the screen (CSI); CR rewrites a line already shown; bidirectional
// controls reorder it; NUL and the rest confuse what follows. As OpenSSH and curl do, the client
// never lets a server (or anyone on an unencrypted path) drive the terminal: every string from
// the server passes through here before it is shown, in a terminal, in a pipe, and inside
// messages on stderr. Each unsafe character becomes U+FFFD, so tampering stays visible, as the
// server already does with what users send (docs/PROTOCOL.md, "Client behaviour").
//
// The one point where server lines enter the presentation layer is `onServerEvent`; log
// messages go through `displayLogger`; JSON output through `jsonLine`. A line the server sends
// that nobody knows yet (a new event) is covered by the first, whatever its fields.
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';

/**
 * Control characters (C0 with CR, LF, ESC and NUL; DEL; C1), every Unicode bidirectional
 * control (embeddings, overrides, isolates and the marks), and the line and paragraph
 * separators. Tabs are turned into spaces before this applies.
 */
const UNSAFE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;
const UNSAFE_TEST = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** `text` as it may be shown: tabs as spaces, every unsafe character as U+FFFD. */
export function displayText(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  return text.replaceAll('\t', ' ').replace(UNSAFE, REPLACEMENT_CHARACTER);
}

/**
 * `value` with every string in it made safe to show, object keys included, however deeply
 * nested. Returns the same value when nothing needed replacing.
 */
export function displaySafe<T>(value: T): T {
  if (typeof value === 'string') return displayText(value) as T;
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => displaySafe(item));
    return (items.some((item, i) => item !== value[i]) ? items : value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const safeKey = displayText(key);
      const safeItem = displaySafe(item);
      if (safeKey !== key || safeItem !== item) changed = true;
      return [safeKey, safeItem] as const;
    });
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}

/**
 * One JSON line whose values are exact and whose bytes are safe on a terminal. JSON.stringify
 * escapes C0 but writes DEL, C1, bidi controls and U+2028/U+2029 as they are; those are
 * escaped here too (they only ever occur inside strings, so the JSON stays valid).
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface DisplayLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger whose every message is made safe before it is written (stderr, or clack's log). */
export function displayLogger(logger: DisplayLogger): DisplayLogger {
  return {
    debug: (message) => logger.debug(displayText(message)),
    info: (message) => logger.info(displayText(message)),
    warn: (message) => logger.warn(displayText(message)),
    error: (message) => logger.error(displayText(message)),
  };
}

/** A client that hands out what its server sends: the chat client, the UDP chat client. */
export interface ServerEventSource<Event> {
  on(event: 'event', listener: (event: Event, line: string) => void): () => void;
}

/**
 * Listen to every line the server sends, as a parsed event and as the line itself, both made
 * safe to show. `raw` hands them over as received: for `--raw` output and for JSON, which
 * escapes them itself (`jsonLine`).
 */
export function onServerEvent<Event = ServerEvent>(
  client: ServerEventSource<Event>,
  listener: (event: Event, line: string) => void,
  { raw = false }: { raw?: boolean } = {},
): () => void {
  if (raw) return client.on('event', listener);
  return client.on('event', (event, line) => listener(displaySafe(event), displayText(line)));
}
