// TLS in front of the web server's node:http: a node:net listener whose accepted sockets are
// wrapped in node:tls and, once their handshake has finished, handed to the HTTP server as its
// connections. Not node:https, because Bun's node:https emits 'connection' only after the
// handshake (so per-address limits and the handshake timeout would not hold while it runs) and
// has no setSecureContext; this way both work alike on Node, Bun and Deno, as the chat's own
// TLS port does (node-tcp.ts).
import net from 'node:net';
import tls from 'node:tls';
import type { TlsCredentials } from './types.ts';

/** node:tls takes PEM as text or as a Buffer, not as any Uint8Array. */
const pem = (value: string | Uint8Array) => (typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
const secureContextOf = (credentials: TlsCredentials) => tls.createSecureContext({ cert: pem(credentials.cert), key: pem(credentials.key) });

export interface TlsFront {
  readonly listener: net.Server;
  /** New connections get this certificate; open ones keep theirs. Throws if it does not load. */
  setCredentials(credentials: TlsCredentials): void;
  /** Drop every accepted socket, handshaking or not. */
  destroyAll(): void;
}

export function createTlsFront(
  credentials: TlsCredentials,
  options: {
    /** A handshake not finished after this long is dropped (slow-loris). */
    handshakeTimeoutMs: number;
    /** An accepted socket, before its handshake: false to drop it at once. */
    admit(raw: net.Socket): boolean;
    /** A finished handshake: the encrypted socket and the TCP socket beneath it. */
    onSecure(secure: tls.TLSSocket, raw: net.Socket): void;
  },
): TlsFront {
  let secureContext = secureContextOf(credentials);
  const accepted = new Set<net.Socket>();
  const listener = net.createServer((raw) => {
    raw.on('error', () => {});
    // A socket can be reset between accept and here; it then has no remote address.
    if (raw.remoteAddress === undefined || !options.admit(raw)) return void raw.destroy();
    accepted.add(raw);
    const timer = setTimeout(() => raw.destroy(), options.handshakeTimeoutMs);
    raw.once('close', () => {
      clearTimeout(timer);
      accepted.delete(raw);
    });
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext });
    // A failed handshake (a plain HTTP client, a refused certificate) only closes this socket.
    secure.on('error', () => raw.destroy());
    secure.once('secure', () => {
      clearTimeout(timer);
      options.onSecure(secure, raw);
    });
  });
  return {
    listener,
    setCredentials: (next) => void (secureContext = secureContextOf(next)),
    destroyAll: () => {
      for (const raw of accepted) raw.destroy();
    },
  };
}
