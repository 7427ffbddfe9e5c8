// `serve --web [host:]port`: the browser client beside the TCP chat, on its own HTTP port. The
// web server and `ws` load only when the flag is given, so a plain `serve` starts as fast as
// before. With TLS on the chat port (--tls or --tls-port) the web port speaks https and wss with
// the same certificate, and SIGHUP's reload reaches it too; the origin check expects https then.
import type { ArgsDef } from 'citty';
import type { ConsolaInstance } from 'consola';
import type { ChatServer } from '../core/chat/chat-server.ts';
import type { FileService } from '../core/files/file-service.ts';
import { formatHostPort, parseHostPort } from '../core/shared/host-port.ts';
import type { WebEvent } from '../core/web/web-server.ts';
import type { TlsCredentials } from '../runtime/types.ts';
import { DEFAULT_WEB_LIMITS, resolveWebLimits, type WebLimits } from '../core/web/web-limits.ts';
import { limitArgs, limitsFromFlags, type LimitFlagTable } from './_limit-flags.ts';
import { getRuntime } from '../runtime/index.ts';
import { EXIT, UsageError } from './_exit.ts';

/** The web server's own limits; the chat over a WebSocket keeps the chat's flags. */
const WEB_LIMIT_FLAGS = {
  'web-max-header-bytes': { limit: 'maxHeaderBytes', unit: 'bytes', description: 'Largest HTTP request head of the web client' },
  'web-headers-timeout': { limit: 'headersTimeoutMs', unit: 'seconds', description: 'Seconds an HTTP request head may take to arrive' },
  'web-keep-alive-timeout': { limit: 'keepAliveTimeoutMs', unit: 'seconds', description: 'Seconds an idle HTTP connection stays open' },
  'web-max-per-ip': { limit: 'maxHttpConnectionsPerIp', unit: 'count', description: 'Open HTTP connections from one address, WebSockets included' },
} as const satisfies LimitFlagTable<WebLimits>;

export const webArgs = {
  ...limitArgs(WEB_LIMIT_FLAGS, DEFAULT_WEB_LIMITS),
  web: {
    type: 'string',
    description: 'Also serve the web client (page, shared files, chat over WebSocket) on [host:]port; the host defaults to --host',
    valueHint: '[host:]port',
  },
  'web-origin': {
    type: 'string',
    description: 'Another origin whose pages may use the web chat (e.g. https://chat.example behind a proxy); comma-separated',
    valueHint: 'origin',
  },
} as const satisfies ArgsDef;

/** Where --web asks to listen; throws UsageError naming the flag. */
export function parseWebFlag(text: string, defaultHost: string): { host: string; port: number } {
  const trimmed = text.trim();
  const bare = /^\d{1,5}$/.test(trimmed) ? { host: defaultHost, port: Number(trimmed) } : parseHostPort(trimmed);
  const port = bare.port;
  if (port === undefined || port > 65535 || bare.host === '') {
    throw new UsageError(`--web must be a port or host:port (a port from 0 to 65535), got "${text}"`);
  }
  return { host: bare.host, port };
}

export interface RunningWeb {
  close(): Promise<void>;
  /** After the chat port took a new certificate (SIGHUP): the web port takes it too, or says why not. */
  reloadTls(credentials: TlsCredentials): void;
}

/**
 * Start the web server when --web was given. Returns undefined without the flag, false when it
 * could not listen (logged, exit code set), or the running server.
 */
export async function startWebFromFlags(
  args: { web?: string; 'web-origin'?: string; host: string } & Readonly<Record<string, unknown>>,
  context: { logger: ConsolaInstance; chat: ChatServer; files: FileService | undefined; tls?: TlsCredentials | undefined },
): Promise<RunningWeb | undefined | false> {
  if (args.web === undefined) return undefined;
  const { logger } = context;
  let host: string;
  let port: number;
  let limits: WebLimits;
  try {
    ({ host, port } = parseWebFlag(args.web, args.host));
    limits = limitsFromFlags(WEB_LIMIT_FLAGS, args, resolveWebLimits);
  } catch (error) {
    // The chat port is already open: report like a usage error, and let serve close it.
    logger.error((error as Error).message);
    process.exitCode = EXIT.USAGE;
    return false;
  }
  const [{ WebServer }, { nodeHttp }] = await Promise.all([import('../core/web/web-server.ts'), import('../runtime/node-http.ts')]);
  const runtime = getRuntime();
  try {
    const web = await WebServer.start(nodeHttp, {
      host,
      port,
      ...(context.tls && { tls: context.tls }),
      chat: context.chat,
      limits,
      ...(context.files && { files: context.files }),
      newHash: () => runtime.sha256(),
      allowedOrigins: (args['web-origin'] ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      onEvent: (event) => logWebEvent(logger, event),
    });
    // Not "listening on": that line is the chat port's, and scripts look for it.
    const scheme = context.tls ? 'https' : 'http';
    logger.info(`web client on ${scheme}://${formatHostPort(web.address.address, web.address.port)}/`);
    return {
      close: () => web.close(),
      reloadTls: (credentials) => {
        try {
          web.setTlsCredentials(credentials);
          logger.info('SIGHUP: web client certificate reloaded for new connections');
        } catch (error) {
          logger.error(`SIGHUP: web client certificate not reloaded, keeping the old one: ${(error as Error).message}`);
        }
      },
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
    logger.error(`cannot serve the web client on ${formatHostPort(host, port)}: ${why}`);
    process.exitCode = EXIT.CONNECT;
    return false;
  }
}

function logWebEvent(logger: ConsolaInstance, event: WebEvent): void {
  const from = formatHostPort(event.remote.address, event.remote.port);
  if (event.type === 'refuse-upload') return logger.warn(`refused a web upload of ${JSON.stringify(event.name)} from ${from}: ${event.code}`);
  if (event.type === 'refuse-origin') return logger.warn(`refused a web request from ${from}: origin ${JSON.stringify(event.origin)} is not this page`);
  logger.warn(`refused a web connection from ${from}: ${event.code}`);
}
