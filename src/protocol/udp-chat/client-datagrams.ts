// What a UDP chat client sends: one datagram per message, UTF-8 text, as in the original UDP
// chat (the first datagram from an address is a name, every later one a message). netchat adds
// a few exact commands and pads the datagrams it needs answered, so that the server's answer
// fits in three times what it received (see docs/PROTOCOL.md, "Anti-amplification").

export type ClientDatagram =
  | { kind: 'join'; name: string }
  | { kind: 'quit' }
  | { kind: 'ping'; token: string }
  /** Empty or only white space: keeps the address alive, is never relayed. */
  | { kind: 'keepalive' }
  /** Anything else: a name (first datagram), the join code, or a message, by the sender's state. */
  | { kind: 'text'; text: string };

/** The original UDP chat's port, netchat's default for it. */
export const UDP_CHAT_DEFAULT_PORT = 65432;

/** `/join <name>` is padded to this many bytes: the answer to it is never held back. */
export const JOIN_PADDED_BYTES = 128;
/** `/quit` is padded too: its `[SERVER] Goodbye.` must fit even when the server forgot us. */
export const QUIT_PADDED_BYTES = 32;

// Strict: a datagram that is not UTF-8 is dropped, not patched with U+FFFD.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A datagram's text without one trailing LF or CR LF (what `nc -u` adds to each line), or
 * undefined when the bytes are not valid UTF-8.
 */
export function decodeDatagram(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
  if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  return text;
}

const JOIN = /^\/join(?:[ \t]+(.*))?$/s;
const QUIT = /^\/quit[ \t]*$/;
const PING = /^\/ping(?:[ \t]+(.*))?$/s;

/** Classify one decoded datagram. Commands are exact and lower-case; anything else is text. */
export function parseClientDatagram(text: string): ClientDatagram {
  if (text.trim() === '') return { kind: 'keepalive' };
  if (text.charCodeAt(0) === 0x2f /* / */) {
    let match = JOIN.exec(text);
    if (match) return { kind: 'join', name: (match[1] ?? '').trim() };
    if (QUIT.test(text)) return { kind: 'quit' };
    match = PING.exec(text);
    if (match) return { kind: 'ping', token: (match[1] ?? '').trim() };
  }
  return { kind: 'text', text };
}

function pad(text: string, bytes: number): string {
  return text.length >= bytes ? text : text + ' '.repeat(bytes - text.length);
}

/** Datagrams netchat's client sends (names and commands are ASCII, so length is bytes). */
export const clientDatagram = {
  join: (name: string) => pad(`/join ${name}`, JOIN_PADDED_BYTES),
  quit: () => pad('/quit', QUIT_PADDED_BYTES),
  ping: (token: string) => (token ? `/ping ${token}` : '/ping'),
  code: (code: string) => code,
};

/** Whether a message would be taken as a command rather than relayed (the client refuses it). */
export function isCommandText(text: string): boolean {
  return parseClientDatagram(text).kind !== 'text';
}
