import { defineCommand } from 'citty';
import type { ConsolaInstance } from 'consola';
import type { ChatServerEvent } from '../core/chat/server-events.ts';
import { DISCONNECT_REASONS } from '../core/chat/server-events.ts';
import { startChatServer, type ChatServer } from '../core/chat/chat-server.ts';
import { openFileService, type FileEvent, type FileService } from '../core/files/file-service.ts';
import { DEFAULT_FILES_LIMITS, resolveFilesLimits } from '../core/files/files-limits.ts';
import { DEFAULT_UDP_TRANSFER_LIMITS, resolveUdpTransferLimits } from '../core/udp-transfer/transfer-limits.ts';
import { formatSize } from '../protocol/files/file-sizes.ts';
import { systemClock } from '../core/shared/clock.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { DEFAULT_CHAT_LIMITS, resolveChatLimits, type ChatLimits } from '../core/chat/chat-limits.ts';
import { getRuntime, type SocketAddress } from '../runtime/index.ts';
import { LIMIT_FLAGS, limitArgs, limitsFromFlags } from './_limit-flags.ts';
import { listenAddress } from './_address-args.ts';
import { createLogger, EXIT, hostArg, logArgs, onShutdownSignal } from './_shared.ts';
import { startWebFromFlags, webArgs } from './_serve-web.ts';
import { resolveStateDir, stateDirArg } from './_state-dir.ts';
import { logTlsListening, reloadTlsOnHangup, serveTlsArgs, serveTlsOptions } from './_tls-flags.ts';
import { clusterArgs, clusterSettings, joinCluster, readClusterFiles, type JoinedCluster } from './_serve-cluster.ts';
import { openServeAccounts, reloadAccountsOnHangup, serveAccountArgs } from './_serve-accounts.ts';

const endpoint = (a: { address: string; port: number }) => formatHostPort(a.address, a.port);

function logEvent(logger: ConsolaInstance, event: ChatServerEvent): void {
  switch (event.type) {
    case 'connect':
      return logger.info(`connect #${event.id} from ${endpoint(event.remote)}`);
    case 'register':
      return logger.info(`#${event.id} joined as ${event.name}`);
    case 'disconnect': {
      const who = event.name ? `${event.name} ` : '';
      const reason = DISCONNECT_REASONS[event.reason] + (event.message ? `: ${JSON.stringify(event.message)}` : '');
      return logger.info(`disconnect #${event.id} ${who}(${endpoint(event.remote)}): ${reason}`);
    }
    case 'refuse':
      return logger.warn(`refused ${endpoint(event.remote)}: ${event.code}`);
    case 'accept-paused':
      return logger.warn(`out of file descriptors (${event.code}) with ${event.connections} connected: not accepting until some close`);
    case 'accept-resumed':
      return logger.info(`accepting connections again (${event.connections} connected)`);
    case 'tls-failed':
      return logger.info(`TLS: ${endpoint(event.remote)} ${TLS_FAILURES[event.code] ?? event.code}`);
  }
}

function logFileEvent(logger: ConsolaInstance, event: FileEvent): void {
  const who = `${event.by ?? 'a guest'} (${event.address})`;
  switch (event.type) {
    case 'download':
      if (event.outcome === 'sent') return logger.info(`${who} downloaded ${event.name}${event.offset > 0 ? ` from byte ${event.offset}` : ''}`);
      return logger.warn(`download of ${event.name} by ${who} ended: ${event.outcome}`);
    case 'upload':
      return logger.info(`${who} uploaded ${event.name} (${formatSize(event.size)}, sha256 ${event.sha256})`);
    case 'download-udp':
      if (event.outcome === 'sent') return logger.info(`${who} downloaded ${event.name} over UDP${event.offset > 0 ? ` from byte ${event.offset}` : ''}`);
      return logger.warn(`UDP download of ${event.name} by ${who} ended: ${event.outcome}`);
    case 'upload-refused':
      return logger.info(`upload of ${JSON.stringify(event.name)} by ${who} refused: ${event.code}`);
  }
}

const TLS_FAILURES: Record<string, string> = {
  TLS_HANDSHAKE_FAILED: 'failed its TLS handshake',
  TLS_HANDSHAKE_TIMEOUT: 'did not finish its TLS handshake in time',
  TLS_PEER_NOT_TLS: 'spoke plain TCP to the TLS port: told TLS_REQUIRED, closed',
  TLS_CLIENT_ON_PLAIN_PORT: 'began a TLS handshake on the plain port: closed',
};

/** Descriptors kept for everything but chat connections: stdio, the listener, the runtime's own. */
const DESCRIPTORS_BESIDES_CONNECTIONS = 32;

/**
 * --max-connections stays below what the process may open (`ulimit -n`): by default it is
 * lowered to fit, with room for the runtime and for transfers; a larger flag is kept,
 * with a warning, and the server pauses accepting when it runs out.
 */
function fitConnectionsToDescriptors(logger: ConsolaInstance, limits: ChatLimits, flagged: boolean, transferDescriptors: number): ChatLimits {
  const descriptors = getRuntime().descriptorLimit();
  if (descriptors === undefined) return limits;
  const room = Math.max(1, descriptors - DESCRIPTORS_BESIDES_CONNECTIONS - transferDescriptors);
  if (limits.maxConnections <= room) return limits;
  if (!flagged) return { ...limits, maxConnections: room };
  logger.warn(`--max-connections ${limits.maxConnections} is more than ${descriptors} open files (ulimit -n) leave room for (${room}): past that, the server stops accepting until connections close`);
  return limits;
}

/** The folder to share: the flag, else SERVER_SHARED_FILES (as the original server read it), else ./SharedFiles. */
function sharedDirectory(flag: string | undefined): string {
  return flag?.trim() || process.env.SERVER_SHARED_FILES?.trim() || 'SharedFiles';
}

/** Where the server can be reached: for a wildcard host, this machine's non-loopback addresses. */
function reachableAt(address: SocketAddress): string[] {
  if (address.address !== '0.0.0.0' && address.address !== '::') return [];
  return getRuntime()
    .networkAddresses()
    .filter((a) => !a.internal && (address.address === '::' || a.family === 'IPv4'))
    .filter((a) => !a.address.startsWith('fe80:'))
    .map((a) => endpoint({ address: a.address, port: address.port }));
}

export default defineCommand({
  meta: { name: 'serve', description: 'Run the TCP chat server' },
  args: {
    port: { type: 'string', alias: ['p'], description: 'TCP port to listen on; 0 = any free port (default 12000)', valueHint: 'port' },
    ...hostArg,
    ...limitArgs(LIMIT_FLAGS.serve, DEFAULT_CHAT_LIMITS),
    // Its default follows the descriptor limit (see below), so the table's default is only the cap.
    'max-connections': {
      ...limitArgs(LIMIT_FLAGS.serve, DEFAULT_CHAT_LIMITS)['max-connections'],
      description: `Connections in total (default what ulimit -n leaves room for, at most ${DEFAULT_CHAT_LIMITS.maxConnections})`,
    },
    'shared-dir': {
      type: 'string',
      description: 'Folder to share (default $SERVER_SHARED_FILES, else ./SharedFiles; created if missing)',
      valueHint: 'path',
    },
    uploads: { type: 'boolean', description: 'Accept uploads into the shared folder; --no-uploads refuses them', default: true },
    ...limitArgs(LIMIT_FLAGS.serveFiles, DEFAULT_FILES_LIMITS),
    ...limitArgs(LIMIT_FLAGS.serveUdp, DEFAULT_UDP_TRANSFER_LIMITS),
    ...serveTlsArgs,
    ...stateDirArg,
    ...webArgs,
    ...clusterArgs,
    ...serveAccountArgs,
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args, { timestamps: true });
    const { host, port } = listenAddress(args, { host: '0.0.0.0', port: 12000 });
    const cluster = clusterSettings(args, port);
    const flagLimits = limitsFromFlags(LIMIT_FLAGS.serve, args, resolveChatLimits);
    const filesLimits = limitsFromFlags(LIMIT_FLAGS.serveFiles, args, resolveFilesLimits);
    const udpLimits = limitsFromFlags(LIMIT_FLAGS.serveUdp, args, resolveUdpTransferLimits);
    // A TCP transfer holds its file; a UDP transfer its file and its socket.
    const transferDescriptors = filesLimits.maxTransfers + 2 * udpLimits.maxConcurrentTransfers;
    const limits = fitConnectionsToDescriptors(logger, flagLimits, args['max-connections'] !== undefined, transferDescriptors);
    const accounts = await openServeAccounts(args, logger);
    const tls = await serveTlsOptions(args, resolveStateDir(args['state-dir']), logger);
    const runtime = getRuntime();
    const clusterFiles = cluster ? await readClusterFiles(args, cluster) : {};
    const directory = runtime.files.resolve(sharedDirectory(args['shared-dir']));
    let files: FileService;
    try {
      const opened = await openFileService({
        store: runtime.files,
        newHash: () => runtime.sha256(),
        clock: systemClock,
        directory,
        limits: filesLimits,
        uploadsEnabled: args.uploads,
        maxSendQueueBytes: limits.maxSendQueueBytes,
        onEvent: (event) => logFileEvent(logger, event),
        udp: { bindUdp: runtime.bindUdp, limits: udpLimits, sealing: { newKey: () => runtime.randomBytes(32), aead: runtime.aes256Gcm } },
      });
      files = opened.service;
      const uploads = args.uploads ? '' : '; uploads are off';
      logger.info(`sharing ${directory} (${opened.files} ${opened.files === 1 ? 'file' : 'files'}${uploads})`);
    } catch (error) {
      logger.error(`cannot share ${directory}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      process.exitCode = EXIT.FAILURE;
      return;
    }
    let joined: JoinedCluster | undefined;
    if (cluster) {
      joined = await joinCluster(cluster, limits, clusterFiles, logger);
      if (!joined) {
        process.exitCode = EXIT.CONNECT;
        return;
      }
    }
    let server: ChatServer;
    try {
      server = await startChatServer(runtime, {
        host,
        port,
        limits,
        files,
        accounts,
        ...(tls && { tls: tls.options }),
        onEvent: (event) => logEvent(logger, event),
        ...(joined && { registry: joined.registry }),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
      logger.error(`cannot listen on ${endpoint({ address: host, port })}: ${why}`);
      await joined?.stop();
      process.exitCode = EXIT.CONNECT;
      return;
    }
    const web = await startWebFromFlags({ ...args, host }, { logger, chat: server, files, tls: tls?.options });
    if (web === false) {
      await server.close();
      await joined?.stop();
      return;
    }
    const stopReloadingTls = tls ? reloadTlsOnHangup(server, tls.source, logger, (credentials) => web?.reloadTls(credentials)) : () => {};
    const stopReloading = reloadAccountsOnHangup(accounts, args.accounts, logger);
    const stopped = new Promise<void>((resolve) => {
      onShutdownSignal((signal) => {
        logger.info(`${signal}: shutting down (${server.connectionCount} connected)`);
        files.stopUdp();
        server.close().then(() => Promise.all([web?.close(), joined?.stop()])).then(() => resolve());
      });
    });
    logger.info(`listening on ${endpoint(server.address)}`);
    logTlsListening(server, logger);
    const others = reachableAt(server.address);
    if (others.length > 0) logger.info(`reachable from other machines at ${others.join(', ')}`);
    await stopped;
    stopReloadingTls();
    stopReloading();
    await accounts?.bans.flushed();
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  },
});
