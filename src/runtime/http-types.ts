// HTTP and WebSocket in the runtime layer's vocabulary, so the web room in core
// (src/core/web/) serves pages, files and chat without importing node:http, ws or node:zlib.
// One implementation (node-http.ts: node:http + ws) serves Node, Bun and Deno alike.
import type { SocketAddress, TlsCredentials } from './types.ts';

export type HttpHeaders = Record<string, string | number | readonly string[]>;

/** One request as the core sees it: its head, and its body as a stream that can be paused. */
export interface HttpRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  /** Header names lower-case; repeated headers joined with ", " (as node:http does). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly remote: SocketAddress;
  /** Whether it came over TLS (https). */
  readonly encrypted: boolean;
  /** Body chunks in order; `end` once it is complete, `aborted` when the client went away first. */
  onBody(handlers: { data(chunk: Uint8Array): void; end(): void; aborted(): void }): void;
  pauseBody(): void;
  resumeBody(): void;
}

/** One response: a head, then bytes with backpressure. */
export interface HttpResponse {
  /** Send the status line and headers; once. */
  writeHead(status: number, headers: HttpHeaders): void;
  /**
   * Queue bytes; false once over the buffer mark: wait for `onDrain`. `onReleased`, if the
   * runtime can tell, runs once it holds no reference to `bytes` (they went to the system), so
   * the buffer may be filled again; where it cannot tell, it never runs.
   */
  write(bytes: Uint8Array, onReleased?: () => void): boolean;
  end(bytes?: Uint8Array | string): void;
  /** Close the connection at once (a response that cannot be finished). */
  destroy(): void;
  onDrain(listener: () => void): void;
  /** The client went away (or the response finished): fired once. */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/** One WebSocket after its upgrade: text and binary messages, byte-counted output. */
export interface WebSocketConnection {
  readonly remote: SocketAddress;
  readonly encrypted: boolean;
  /** Bytes queued and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** One message: a string (or bytes sent as text) becomes a text frame unless `binary`. */
  send(data: Uint8Array | string, binary: boolean): void;
  /**
   * LF-terminated lines, one text message each (without the LF), in one write. The same
   * buffer handed to many connections is framed once and shared.
   */
  sendLines(lines: Uint8Array): void;
  /** The closing handshake with a status code; anything queued goes first. */
  close(code: number, reason: string): void;
  /** Close now, dropping anything unsent. */
  terminate(): void;
  pause(): void;
  resume(): void;
  onMessage(listener: (data: Uint8Array, binary: boolean) => void): void;
  /** Fired once; `hadError` when it broke rather than closed cleanly. `code` is the peer's or 1006. */
  onClose(listener: (hadError: boolean, code: number) => void): void;
  /** The socket's buffer drained (for a sender waiting on `bufferedAmount`). */
  onDrain(listener: () => void): void;
}

/** What to do with an upgrade request: accept it, or refuse it with an HTTP status. */
export type UpgradeDecision = { accept: true } | { accept: false; status: number; message: string };

export interface HttpListenOptions {
  host: string;
  port: number;
  /** Serve https and wss with this certificate instead of http and ws. */
  tls?: TlsCredentials;
  /** Largest request head, in bytes (node:http answers 431 past it). */
  maxHeaderBytes: number;
  /** Largest WebSocket message; past it the socket closes with 1009. */
  maxWebSocketMessageBytes: number;
  /** A request whose head has not arrived after this long is dropped (slow-loris). */
  headersTimeoutMs: number;
  /** Idle keep-alive connections close after this long. */
  keepAliveTimeoutMs: number;
  /** A connection that moves no byte for this long while a request or response is under way is dropped (a stalled transfer). */
  idleTimeoutMs: number;
  /** A connection arrived (before any request): returns what to call when it closes, or undefined to drop it at once. */
  admitConnection?: (remote: SocketAddress) => (() => void) | undefined;
  onRequest(request: HttpRequest, response: HttpResponse): void;
  /** Decide on a WebSocket upgrade from its head alone (the request has no body to read). */
  checkUpgrade(request: HttpRequest): UpgradeDecision;
  onWebSocket(socket: WebSocketConnection, request: HttpRequest): void;
}

export interface HttpServer {
  readonly address: SocketAddress;
  /** Stop accepting; resolves once every connection (WebSockets included) has closed. */
  close(): Promise<void>;
  /** Drop every connection now (after their WebSockets were asked to close). */
  closeAllConnections(): void;
  /** Use this certificate for new TLS connections (open ones keep theirs); throws, keeping the old one, when it does not load. */
  setTlsCredentials(credentials: TlsCredentials): void;
}

export type Compression = 'br' | 'gzip';

export interface HttpRuntime {
  listenHttp(options: HttpListenOptions): Promise<HttpServer>;
  /** Compress a whole body (the page's assets, once, at start-up). */
  compress(bytes: Uint8Array, encoding: Compression): Promise<Uint8Array>;
}
