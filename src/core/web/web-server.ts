// `netchat serve --web`: one HTTP port that serves the page, the shared files and, upgraded to
// a WebSocket at /chat, the chat itself. A WebSocket becomes a line link handed to the chat
// server's `accept`, so browser users are ordinary chat users: the same names, groups, limits
// per address, flood control and sanitising as TCP. Only this file knows the routes.
import type { HttpRequest, HttpResponse, HttpRuntime, HttpServer, UpgradeDecision, WebSocketConnection } from '../../runtime/http-types.ts';
import type { SocketAddress, Sha256, TlsCredentials } from '../../runtime/types.ts';
import type { ChatServer } from '../chat/chat-server.ts';
import { AddressThrottle } from '../chat/address-throttle.ts';
import type { FileService } from '../files/file-service.ts';
import { fileServerLine } from '../../protocol/files/file-lines.ts';
import { formatSize } from '../../protocol/files/file-sizes.ts';
import { WebSocketLineLink } from '../links/websocket-line-link.ts';
import { sendFile, sendListing } from './file-download-route.ts';
import { receiveUpload } from './file-upload-route.ts';
import { originAllowed } from './origin-check.ts';
import { checkUploader, type UploaderRefusal } from './upload-owner.ts';
import { PageAssets } from './page-assets.ts';
import { sendError } from './web-replies.ts';
import { resolveWebLimits, type WebLimits } from './web-limits.ts';

/** The WebSocket endpoint's path. */
export const CHAT_PATH = '/chat';
const FILES_PATH = '/files';

export type WebEvent =
  | { type: 'refuse-connection'; remote: SocketAddress; code: 'TOO_MANY_CONNECTIONS' | 'CONNECTING_TOO_FAST' }
  | { type: 'refuse-origin'; remote: SocketAddress; origin: string }
  /** Before any byte of the file was read: who it would be from is not settled (upload-owner.ts). */
  | { type: 'refuse-upload'; remote: SocketAddress; name: string; code: UploaderRefusal['code'] };

export interface WebServerOptions {
  host: string;
  port: number;
  /** Serve https and wss with this certificate (the chat port's own). */
  tls?: TlsCredentials;
  chat: ChatServer;
  files?: FileService;
  limits?: Partial<WebLimits>;
  newHash: () => Sha256;
  /** Origins allowed besides the page's own (a page served from elsewhere, behind a proxy). */
  allowedOrigins?: readonly string[];
  onEvent?: (event: WebEvent) => void;
}

export class WebServer {
  private constructor(
    private readonly server: HttpServer,
    readonly assets: PageAssets,
  ) {}

  get address(): SocketAddress {
    return this.server.address;
  }

  /** A new certificate for new connections; open ones keep theirs. */
  setTlsCredentials(credentials: TlsCredentials): void {
    this.server.setTlsCredentials(credentials);
  }

  /** Stop listening and drop what is left (the chat server closes its WebSockets itself). */
  async close(): Promise<void> {
    const closed = this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  static async start(runtime: HttpRuntime, options: WebServerOptions): Promise<WebServer> {
    const limits = resolveWebLimits(options.limits);
    const chat = options.chat;
    const assets = await PageAssets.prepare(runtime.compress, options.newHash);
    const report = options.onEvent ?? (() => {});
    // Open HTTP connections per address, counted as the chat counts TCP ones (an IPv6 /64 is one
    // address). No connect rate: a browser opens several at once and again after each
    // `Connection: close`; the chat connections behind the WebSockets keep the chat's own rate.
    const throttle = new AddressThrottle(
      { maxConnectionsPerIp: limits.maxHttpConnectionsPerIp, connectRatePerIp: 0, floodBurst: 0, floodLinesPerSecond: 0 },
      0,
    );
    const routes = new Routes(assets, options.files, chat, options.allowedOrigins ?? [], report);
    const server = await runtime.listenHttp({
      host: options.host,
      port: options.port,
      ...(options.tls && { tls: options.tls }),
      maxHeaderBytes: limits.maxHeaderBytes,
      // A message is one line: the chat's own bound on bytes without a line end.
      maxWebSocketMessageBytes: chat.limits.maxUnterminatedBytes,
      headersTimeoutMs: limits.headersTimeoutMs,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
      // A stalled HTTP transfer lets go of its slot as one on the chat port does.
      idleTimeoutMs: options.files?.limits.transferIdleTimeoutMs ?? 60_000,
      admitConnection: (remote) => {
        const now = chat.clock.now();
        const admission = throttle.admit(remote.address, now);
        if (admission.refused) {
          if (admission.report) report({ type: 'refuse-connection', remote, code: admission.refused });
          return undefined;
        }
        return () => throttle.release(admission.peer, chat.clock.now());
      },
      onRequest: (request, response) => routes.request(request, response),
      checkUpgrade: (request) => routes.checkUpgrade(request),
      onWebSocket: (socket) => routes.webSocket(socket),
    });
    return new WebServer(server, assets);
  }
}

class Routes {
  constructor(
    private readonly assets: PageAssets,
    private readonly files: FileService | undefined,
    private readonly chat: ChatServer,
    private readonly allowedOrigins: readonly string[],
    private readonly report: (event: WebEvent) => void,
  ) {}

  checkUpgrade(request: HttpRequest): UpgradeDecision {
    if (pathOf(request.url) !== CHAT_PATH) return { accept: false, status: 404, message: 'the chat is at /chat' };
    if (!originAllowed(request, this.allowedOrigins)) {
      this.report({ type: 'refuse-origin', remote: request.remote, origin: request.headers.origin ?? '' });
      return { accept: false, status: 403, message: 'BAD_ORIGIN: this page may not open the chat' };
    }
    return { accept: true };
  }

  webSocket(socket: WebSocketConnection): void {
    // From here on the chat server does not know it is a WebSocket.
    this.chat.accept(new WebSocketLineLink(socket, this.chat.limits));
  }

  request(request: HttpRequest, response: HttpResponse): void {
    this.route(request, response).catch(() => {
      if (!response.closed) sendError(response, 500, 'TRANSFER_FAILED', 'the server failed to answer');
    });
  }

  private async route(request: HttpRequest, response: HttpResponse): Promise<void> {
    const [path, query = ''] = splitUrl(request.url);
    const method = request.method;
    const read = method === 'GET' || method === 'HEAD';
    if (this.assets.has(path)) {
      if (!read) return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'GET or HEAD', { Allow: 'GET, HEAD' });
      return this.assets.serve(path, request, response);
    }
    if (path === CHAT_PATH) return sendError(response, 426, 'UPGRADE_REQUIRED', 'the chat is a WebSocket', { Upgrade: 'websocket' });
    const files = this.files;
    if (path === FILES_PATH && files) {
      if (!read) return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'GET or HEAD', { Allow: 'GET, HEAD' });
      return sendListing(files, request, response, new URLSearchParams(query));
    }
    if (path.startsWith(`${FILES_PATH}/`) && files) {
      const name = decodeName(path.slice(FILES_PATH.length + 1));
      if (name === undefined) return sendError(response, 400, 'FILE_NAME_INVALID', 'the file name is not valid percent-encoded UTF-8');
      if (read) return sendFile(files, name, request, response);
      if (method !== 'POST') return sendError(response, 405, 'METHOD_NOT_ALLOWED', 'GET, HEAD or POST', { Allow: 'GET, HEAD, POST' });
      if (!originAllowed(request, this.allowedOrigins)) {
        this.report({ type: 'refuse-origin', remote: request.remote, origin: request.headers.origin ?? '' });
        return sendError(response, 403, 'BAD_ORIGIN', 'uploads come from this server’s own page', { Connection: 'close' });
      }
      const owner = checkUploader(request, files, this.chat.accounts);
      if ('refused' in owner) {
        const { status, code, message } = owner.refused;
        this.report({ type: 'refuse-upload', remote: request.remote, name, code });
        return sendError(response, status, code, message, { Connection: 'close' });
      }
      const stored = await receiveUpload(files, name, request, response, owner.by);
      // As for a terminal upload: everyone but the uploader is told, under the uploader's name.
      if (stored) this.chat.registry.announce(owner.by, fileServerLine.shared(owner.by, stored.name, formatSize(stored.size)));
      return;
    }
    sendError(response, 404, 'NOT_FOUND', 'nothing here');
  }
}

function splitUrl(url: string): [path: string, query?: string] {
  const question = url.indexOf('?');
  return question === -1 ? [url] : [url.slice(0, question), url.slice(question + 1)];
}

function pathOf(url: string): string {
  return splitUrl(url)[0];
}

function decodeName(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
