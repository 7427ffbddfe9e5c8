// `serve --cluster`: the flags, and joining the cluster before the chat server starts. This file
// is light on purpose: the cluster code and the NATS client load with dynamic imports, only
// when --cluster is given, so a lone server starts as before.
import os from 'node:os';
import type { ArgsDef } from 'citty';
import type { ConsolaInstance } from 'consola';
import type { ChatLimits } from '../core/chat/chat-limits.ts';
import type { UserRegistry } from '../core/chat/user-registry.ts';
import type { ClusterEvent } from '../core/cluster/cluster-options.ts';
import { systemClock } from '../core/shared/clock.ts';
import { randomHex } from '../core/shared/random-hex.ts';
import { detectRuntime } from '../runtime/detect.ts';
import { EXIT } from './_exit.ts';
import { parseCount, parseSeconds, readFlagFile, UsageError } from './_shared.ts';

export const clusterArgs = {
  cluster: {
    type: 'string',
    description: 'Join a cluster through NATS: nats://host:4222[,nats://…] (user:password@ in the URL if needed)',
    valueHint: 'urls',
  },
  'node-id': {
    type: 'string',
    description: 'This node’s id in the cluster, the same across restarts (default <hostname>-<port>)',
    valueHint: 'id',
  },
  'cluster-creds': { type: 'string', description: 'NATS credentials file (.creds)', valueHint: 'path' },
  'cluster-tls-ca': { type: 'string', description: 'CA certificate to verify the NATS servers with (PEM)', valueHint: 'path' },
  'cluster-tls-cert': { type: 'string', description: 'Client certificate for NATS (PEM; with --cluster-tls-key)', valueHint: 'path' },
  'cluster-tls-key': { type: 'string', description: 'Client key for NATS (PEM)', valueHint: 'path' },
  'cluster-replicas': {
    type: 'string',
    description: 'Copies of the name-lease bucket across a NATS cluster, 1, 3 or 5, when this node creates it (default 1)',
    valueHint: 'n',
  },
  'cluster-heartbeat': { type: 'string', description: 'Seconds between heartbeats (default 1)', valueHint: 'seconds' },
  'cluster-dead-after': {
    type: 'string',
    description: 'Seconds of silence after which a node is dead: its users are announced gone and their names freed (default 5)',
    valueHint: 'seconds',
  },
} as const satisfies ArgsDef;

type ClusterArgs = { [K in keyof typeof clusterArgs]?: string };

export interface JoinedCluster {
  registry: UserRegistry;
  stop(): Promise<void>;
}

const NATS_PREFIX = 'netchat';
const LEASE_BUCKET = 'netchat-names';

function clusterEventLine(event: ClusterEvent): [level: 'info' | 'warn', text: string] {
  switch (event.type) {
    case 'backplane-down':
      return ['warn', 'lost the NATS connection: serving local users, admitting new names provisionally until it is back'];
    case 'backplane-up':
      return ['info', 'NATS connection back: resynchronising'];
    case 'node-up':
      return ['info', `cluster node ${event.node} is up`];
    case 'node-dead':
      return ['warn', `cluster node ${event.node} is silent: declared dead, ${event.users} of its users gone`];
    case 'node-left':
      return ['info', `cluster node ${event.node} stopped (${event.users} users)`];
    case 'name-lost':
      return ['warn', `the name ${event.name} was also claimed on ${event.winner} during a partition and stays there: our user was told`];
    case 'leftovers-deleted':
      return ['info', `deleted ${event.leases} name leases left by an earlier run of this node`];
    case 'bad-message':
      return ['warn', 'dropped a malformed cluster message'];
    case 'duplicate-node-id':
      return ['warn', `another process uses this node id (${event.node}): give each node its own --node-id`];
  }
}

function nodeIdFrom(flag: string | undefined, port: number): string {
  const id = (flag?.trim() || `${os.hostname()}-${port}`).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  if (flag !== undefined && id !== flag.trim()) throw new UsageError(`--node-id may have only A-Z a-z 0-9 _ - (1-64 of them), got "${flag}"`);
  return id;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Validate the flags; undefined when --cluster is not given (nothing of the cluster loads). */
export function clusterSettings(args: ClusterArgs, port: number) {
  if (!args.cluster?.trim()) return undefined;
  const urls = args.cluster.split(',').map((url) => url.trim()).filter(Boolean);
  const servers: string[] = [];
  let user: { user: string; pass: string } | undefined;
  for (const text of urls) {
    const url = /^(nats|tls):\/\/[^\s/]+$/.test(text) ? parseUrl(text) : undefined;
    if (!url || !url.hostname) throw new UsageError(`--cluster takes nats://host:port URLs separated by commas, got "${text}"`);
    // The NATS client ignores credentials in a URL: they become its user and password options.
    if (url.username) user ??= { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    servers.push(`${url.hostname}:${url.port || '4222'}`);
  }
  const tlsRequired = urls.some((url) => url.startsWith('tls://'));
  const heartbeatMs = parseSeconds(args['cluster-heartbeat'], '--cluster-heartbeat') ?? 1_000;
  const deadAfterMs = parseSeconds(args['cluster-dead-after'], '--cluster-dead-after') ?? 5_000;
  if (heartbeatMs < 50) throw new UsageError('--cluster-heartbeat must be at least 0.05 seconds');
  if (deadAfterMs < 2 * heartbeatMs) throw new UsageError('--cluster-dead-after must be at least twice --cluster-heartbeat');
  if (Boolean(args['cluster-tls-cert']) !== Boolean(args['cluster-tls-key'])) {
    throw new UsageError('--cluster-tls-cert and --cluster-tls-key go together');
  }
  const replicas = parseCount(args['cluster-replicas'], '--cluster-replicas', 1) ?? 1;
  if (![1, 3, 5].includes(replicas)) throw new UsageError(`--cluster-replicas must be 1, 3 or 5, got ${replicas}`);
  return { servers, nodeId: nodeIdFrom(args['node-id'], port), heartbeatMs, deadAfterMs, replicas, tlsRequired, ...(user && { user }) };
}

/** A .creds file or a PEM certificate chain is a few kilobytes. */
const MAX_CLUSTER_FILE_BYTES = 1024 * 1024;

/** The files the cluster flags name, read before anything starts. */
export interface ClusterFiles {
  /** The .creds file's contents. */
  creds?: Uint8Array;
  /** PEM texts; present when NATS is to be reached over TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
}

/**
 * Read what --cluster-creds and --cluster-tls-* name, here rather than at connect time: a file
 * that is missing, too large, or a .creds the NATS client could not sign with is a mistake in
 * the call (exit 2), not a cluster that cannot be reached — and it is found before the server
 * starts, even when NATS is down.
 */
export async function readClusterFiles(args: ClusterArgs, settings: NonNullable<ReturnType<typeof clusterSettings>>): Promise<ClusterFiles> {
  const read = (flag: keyof ClusterArgs) => {
    const path = args[flag];
    return path === undefined ? undefined : readFlagFile(`--${flag}`, path, MAX_CLUSTER_FILE_BYTES);
  };
  const [credsText, ca, cert, key] = await Promise.all([read('cluster-creds'), read('cluster-tls-ca'), read('cluster-tls-cert'), read('cluster-tls-key')]);
  const result: ClusterFiles = {};
  if (credsText !== undefined) {
    const creds = new TextEncoder().encode(credsText);
    const { natsCredsProblem } = await import('../core/cluster/nats-backplane.ts');
    const problem = natsCredsProblem(creds);
    if (problem) throw new UsageError(`--cluster-creds ${args['cluster-creds']}: ${problem}`);
    result.creds = creds;
  }
  if (ca !== undefined || cert !== undefined || settings.tlsRequired) {
    result.tls = { ...(ca !== undefined && { ca }), ...(cert !== undefined && { cert, key }) };
  }
  return result;
}

/** Connect to NATS and start this node; undefined (after logging why) when NATS cannot be reached. */
export async function joinCluster(
  settings: NonNullable<ReturnType<typeof clusterSettings>>,
  limits: ChatLimits,
  clusterFiles: ClusterFiles,
  logger: ConsolaInstance,
): Promise<JoinedCluster | undefined> {
  const [{ ClusterNode }, { openNatsBackplane }, options] = await Promise.all([
    import('../core/cluster/cluster-node.ts'),
    import('../core/cluster/nats-backplane.ts'),
    import('../core/cluster/cluster-options.ts'),
  ]);
  if (detectRuntime() === 'deno') ignoreResetsOfDiscardedSockets(logger);
  let backplane;
  try {
    backplane = await openNatsBackplane({
      servers: settings.servers,
      nodeId: settings.nodeId,
      prefix: NATS_PREFIX,
      bucket: LEASE_BUCKET,
      leaseTtlMs: options.leaseTtlMs(settings.deadAfterMs),
      replicas: settings.replicas,
      timeoutMs: NATS_TIMEOUT_MS,
      reconnectWaitMs: 500,
      ...(clusterFiles.creds && { creds: clusterFiles.creds }),
      ...(settings.user && settings.user),
      ...(clusterFiles.tls && { tls: clusterFiles.tls }),
    });
  } catch (error) {
    logger.error(`cannot join the cluster at ${settings.servers.join(', ')}: ${natsFailure(error as Error)}`);
    return undefined;
  }
  // The bucket keeps the TTL of whoever created it: renew well within that one.
  const wantedTtl = options.leaseTtlMs(settings.deadAfterMs);
  if (backplane.leaseTtlMs !== wantedTtl) {
    logger.warn(`the name-lease bucket ${LEASE_BUCKET} has a TTL of ${backplane.leaseTtlMs / 1000} s (made for another --cluster-dead-after): leases are renewed within it`);
  }
  const renewEveryMs = Math.min(
    options.renewEveryMs(settings.deadAfterMs),
    backplane.leaseTtlMs > 0 ? Math.max(100, Math.floor(backplane.leaseTtlMs / 3)) : Number.POSITIVE_INFINITY,
  );
  const node = new ClusterNode(
    backplane,
    limits,
    systemClock,
    {
      nodeId: settings.nodeId,
      heartbeatMs: settings.heartbeatMs,
      deadAfterMs: settings.deadAfterMs,
      renewEveryMs,
      maxStateUsers: Math.max(options.DEFAULT_MAX_STATE_USERS, limits.maxConnections),
    },
    (event) => {
      const [level, text] = clusterEventLine(event);
      logger[level](text);
    },
    randomHex(8),
  );
  await node.start();
  logger.info(`joined the cluster as node ${settings.nodeId} through ${settings.servers.join(', ')}`);
  return { registry: node.registry, stop: () => node.stop() };
}

/**
 * Deno's node:net can report a connection reset on a socket the NATS client has already
 * discarded (its listeners removed, as when NATS refuses a login and hangs up). Nobody is left
 * to hear it, and an unheard socket error would end the server. Every socket netchat owns has
 * its listener, so such a reset concerns only a socket nobody uses any more: note it and go on.
 * Anything else that nobody caught ends the process as it would have.
 */
function ignoreResetsOfDiscardedSockets(logger: ConsolaInstance): void {
  process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
    if (error?.code === 'ECONNRESET' || error?.code === 'EPIPE') {
      logger.debug(`a discarded NATS connection reported ${error.code}`);
      return;
    }
    logger.error(error?.stack ?? String(error));
    process.exit(EXIT.FAILURE);
  });
}

/** How long the NATS handshake and each lease operation may take. */
const NATS_TIMEOUT_MS = 5_000;

/**
 * The NATS client's reason, and where to look when it has none: a nats-server that refuses a
 * client after the handshake began (an account at its connection limit, say) tells it only in
 * its own log, and the client sees a timeout.
 */
function natsFailure(error: Error): string {
  if (error.message !== 'timeout') return error.message;
  return `no NATS handshake within ${NATS_TIMEOUT_MS / 1000} s (a nats-server that refuses a client after the connection opened, for an account at its connection limit say, says why only in its own log)`;
}
