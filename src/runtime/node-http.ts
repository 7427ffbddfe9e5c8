// HTTP and WebSocket on node:http and `ws`, which behave alike on Node, Bun (Bun resolves `ws`
// to its own implementation) and Deno, and inside the compiled binary (RUNTIME-NOTES). The
// upgrade is handled from node:http's 'upgrade' event on the request head alone: on Bun,
// upgrading from a handler that read a request body breaks other connections (bun#43163).
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  Compression,
  HttpListenOptions,
  HttpRequest,
  HttpResponse,
  HttpRuntime,
  HttpServer,
  WebSocketConnection,
} from './http-types.ts';
import { familyOf } from './node-tcp-connection.ts';
import { detectRuntime } from './detect.ts';
import { createTlsFront } from './node-http-tls.ts';
import type { SocketAddress } from './types.ts';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const isEncrypted = (socket: unknown) => (socket as { encrypted?: boolean } | null)?.encrypted === true;

function remoteOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined; remoteFamily?: string | undefined }): SocketAddress {
  return { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, family: familyOf(socket.remoteFamily) };
}

function requestOf(message: http.IncomingMessage, remote: SocketAddress): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return {
    method: message.method ?? 'GET',
    url: message.url ?? '/',
    headers,
    remote,
    encrypted: isEncrypted(message.socket),
    onBody(handlers) {
      let settled = false;
      message.on('data', (chunk: Buffer) => handlers.data(chunk));
      message.on('end', () => {
        settled = true;
        handlers.end();
      });
      message.on('close', () => {
        if (!settled) handlers.aborted();
        settled = true;
      });
      message.on('error', () => {});
    },
    pauseBody: () => message.pause(),
    resumeBody: () => message.resume(),
  };
}

const WRITE_CALLBACK_MEANS_RELEASED = detectRuntime() === 'node';

function responseOf(response: http.ServerResponse): HttpResponse {
  response.on('error', () => {});
  return {
    writeHead: (status, headers) => void response.writeHead(status, headers as http.OutgoingHttpHeaders),
    // Node calls a write's callback once the socket has passed the bytes to the system. Bun's
    // and Deno's http modules do not promise that, so there nothing is reported released.
    write: (bytes, onReleased) => !response.destroyed && response.write(bytes, WRITE_CALLBACK_MEANS_RELEASED ? onReleased : undefined),
    end: (bytes) => void (bytes === undefined ? response.end() : response.end(bytes)),
    destroy: () => void response.destroy(),
    onDrain: (listener) => void response.on('drain', listener),
    onClose: (listener) => void response.once('close', listener),
    get closed() {
      return response.destroyed || response.writableFinished;
    },
  };
}

const LF = 0x0a;
const OPCODE_TEXT_FINAL = 0x81;
/** Framed copies of line buffers, for the other connections that get the same buffer. */
const framedCache = new WeakMap<Uint8Array, Uint8Array>();

/** Unmasked final text frames (RFC 6455 §5.2), one per LF-terminated line, in one buffer. */
export function framedTextLines(lines: Uint8Array): Uint8Array {
  const cached = framedCache.get(lines);
  if (cached) return cached;
  let total = 0;
  for (let start = 0; start < lines.length; ) {
    let lf = lines.indexOf(LF, start);
    if (lf === -1) lf = lines.length;
    const length = lf - start;
    total += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
    start = lf + 1;
  }
  const framed = Buffer.allocUnsafe(total);
  let at = 0;
  for (let start = 0; start < lines.length; ) {
    let lf = lines.indexOf(LF, start);
    if (lf === -1) lf = lines.length;
    const length = lf - start;
    framed[at++] = OPCODE_TEXT_FINAL;
    if (length < 126) framed[at++] = length;
    else if (length < 65536) {
      framed[at++] = 126;
      framed.writeUInt16BE(length, at);
      at += 2;
    } else {
      framed[at++] = 127;
      framed.writeBigUInt64BE(BigInt(length), at);
      at += 8;
    }
    framed.set(lines.subarray(start, lf), at);
    at += length;
    start = lf + 1;
  }
  framedCache.set(lines, framed);
  return framed;
}

/** Below this many queued bytes a waiting sender is told it may go on. */
const DRAIN_MARK = 64 * 1024;
/** How long a peer that broke the protocol has to answer the close frame before it is cut. */
const PROTOCOL_ERROR_GRACE_MS = 1_000;

class WsConnection implements WebSocketConnection {
  private readonly drainListeners: Array<() => void> = [];
  private readonly afterSend = () => this.checkDrain();

  constructor(
    private readonly socket: WebSocket,
    readonly remote: SocketAddress,
    readonly encrypted: boolean,
  ) {
    // A peer's protocol error (a message past the size limit, invalid UTF-8): `ws` has sent its
    // close frame and would wait 30 s for the peer's before it lets go; a peer that does not
    // answer must not linger that long (its chat user with it).
    socket.on('error', () => {
      const timer = setTimeout(() => socket.terminate(), PROTOCOL_ERROR_GRACE_MS);
      socket.once('close', () => clearTimeout(timer));
    });
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: Uint8Array | string, binary: boolean): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    // The send callback (not the socket's 'drain', which Bun's `ws` does not expose) says
    // when queued bytes left, on every runtime; only a sender waiting for drains pays for it.
    if (this.drainListeners.length > 0) this.socket.send(data, { binary }, this.afterSend);
    else this.socket.send(data, { binary });
  }

  sendLines(lines: Uint8Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const transport = this.transport();
    if (transport && this.senderIdle()) {
      // The frames go straight to the socket, framed once for every connection that gets the
      // same buffer: `ws` frames (and writes) one message at a time, which costs more than the
      // chat's whole fan-out. Safe only while ws's own sender has nothing queued.
      transport.write(framedTextLines(lines), this.drainListeners.length > 0 ? this.afterSend : undefined);
      return;
    }
    transport?.cork();
    let start = 0;
    while (start < lines.length) {
      let lf = lines.indexOf(LF, start);
      if (lf === -1) lf = lines.length;
      this.send(lines.subarray(start, lf), false);
      start = lf + 1;
    }
    transport?.uncork();
  }

  /** The TCP socket beneath, where `ws` has one (Node, Deno); Bun's `ws` keeps its own. */
  private transport(): Duplex | undefined {
    const raw = (this.socket as unknown as { _socket?: Duplex })._socket;
    return raw && typeof raw.cork === 'function' && !raw.destroyed ? raw : undefined;
  }

  /** ws's sender is not compressing or reading a Blob, so nothing of its own is queued. */
  private senderIdle(): boolean {
    const sender = (this.socket as unknown as { _sender?: { _state?: number; _queue?: unknown[] } })._sender;
    return sender?._state === 0 && sender._queue?.length === 0;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  onMessage(listener: (data: Uint8Array, binary: boolean) => void): void {
    this.socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], binary: boolean) => {
      listener(Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data, binary);
    });
  }

  onClose(listener: (hadError: boolean, code: number) => void): void {
    this.socket.once('close', (code: number) => listener(code !== 1000 && code !== 1001 && code !== 1005, code));
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  private checkDrain(): void {
    if (this.drainListeners.length === 0 || this.socket.bufferedAmount >= DRAIN_MARK) return;
    for (const listener of this.drainListeners) listener();
  }
}

async function listenHttp(options: HttpListenOptions): Promise<HttpServer> {
  const server = http.createServer({
    maxHeaderSize: options.maxHeaderBytes,
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  });
  // Inactivity on a socket (an upload or download that stalled); `ws` turns it off once upgraded.
  server.timeout = options.idleTimeoutMs;
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxWebSocketMessageBytes, perMessageDeflate: false, clientTracking: false });
  /** Counts the connection against its address until it closes; false when refused. */
  const admit = (socket: Duplex, remote: SocketAddress) => {
    socket.on('error', () => {});
    const release = options.admitConnection ? options.admitConnection(remote) : () => {};
    if (!release) return false;
    socket.once('close', release);
    return true;
  };
  // Requests on a TLS socket read its address from the TCP socket beneath (Bun's and Deno's
  // wrapped sockets may not have one of their own).
  const remotes = new WeakMap<object, SocketAddress>();
  const remoteOfSocket = (socket: http.IncomingMessage['socket']) => remotes.get(socket) ?? remoteOf(socket);
  // With TLS the handshake counts as part of the head: a silent peer goes after the same time.
  const front = options.tls
    ? createTlsFront(options.tls, {
        handshakeTimeoutMs: options.headersTimeoutMs,
        admit: (raw) => admit(raw, remoteOf(raw)),
        onSecure: (secure, raw) => {
          remotes.set(secure, remoteOf(raw));
          server.emit('connection', secure);
        },
      })
    : undefined;
  if (!front) server.on('connection', (socket) => void (admit(socket, remoteOf(socket)) || socket.destroy()));
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  server.on('request', (message, response) => options.onRequest(requestOf(message, remoteOfSocket(message.socket)), responseOf(response)));
  server.on('upgrade', (message: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const request = requestOf(message, remoteOfSocket(message.socket));
    const decision = options.checkUpgrade(request);
    if (!decision.accept) {
      const body = `${decision.message}\n`;
      socket.end(`HTTP/1.1 ${decision.status} ${http.STATUS_CODES[decision.status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(message, socket, head, (ws) => {
      sockets.add(ws);
      ws.once('close', () => sockets.delete(ws));
      options.onWebSocket(new WsConnection(ws, request.remote, request.encrypted), request);
    });
  });
  const listening: net.Server = front?.listener ?? server;
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(options.port, options.host, () => {
      listening.off('error', reject);
      resolve();
    });
  });
  const bound = listening.address() as { address: string; port: number; family: string };
  listening.on('error', () => {});
  return {
    address: { address: bound.address, port: bound.port, family: familyOf(bound.family) },
    close: () =>
      new Promise<void>((resolve) => {
        // Behind TLS the HTTP server never listened: the TCP listener settles once its sockets closed.
        if (front) server.close();
        listening.close(() => resolve());
        server.closeIdleConnections();
      }),
    closeAllConnections: () => {
      for (const ws of sockets) ws.terminate();
      server.closeAllConnections();
      front?.destroyAll();
    },
    setTlsCredentials: (credentials) => {
      if (!front) throw new Error('this web server listens without TLS');
      front.setCredentials(credentials);
    },
  };
}

export const nodeHttp: HttpRuntime = {
  listenHttp,
  compress: async (bytes, encoding: Compression) => {
    if (encoding === 'br') {
      return new Uint8Array(await brotli(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
    }
    return new Uint8Array(await gzip(bytes, { level: 9 }));
  },
};
