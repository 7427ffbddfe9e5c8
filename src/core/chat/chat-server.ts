// The TCP chat server: accepts connections through the injected runtime, gives each a line
// link, enforces connection limits, owns the user registry, runs the one sweep timer for every
// timeout, and shuts down cleanly. It reports through `onEvent` and never prints.
import { serverLine } from '../../protocol/chat/chat-lines.ts';
import type { Runtime, SocketAddress, TcpConnection, TcpServer, TlsCredentials, TlsServerOptions } from '../../runtime/types.ts';
import type { FileService } from '../files/file-service.ts';
import type { LineLink, LineLinkHandler } from '../links/line-link.ts';
import { TcpLineLink } from '../links/tcp-line-link.ts';
import type { ChatServerEventListener } from './server-events.ts';
import { UserRegistry } from './user-registry.ts';
import { ServerSession, type SessionHost } from './server-session.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { resolveChatLimits, type ChatLimits } from './chat-limits.ts';
import { OutputBatcher } from './output-batcher.ts';
import { AddressThrottle } from './address-throttle.ts';
import type { RefusalCode } from './server-events.ts';
import type { PeerAddress } from './address-throttle.ts';
import { onTlsClientHello, TLS_REQUIRED_TEXT } from '../tls/tls-ports.ts';
import type { AccountService } from '../accounts/account-service.ts';

export interface ChatServerOptions {
  host: string;
  port: number;
  /** Overrides over DEFAULT_CHAT_LIMITS; validated here (LimitError). */
  limits?: Partial<ChatLimits>;
  clock?: Clock;
  onEvent?: ChatServerEventListener;
  /** How often timeouts are checked; by default a quarter of the shortest timeout, 50 ms to 1 s. */
  sweepIntervalMs?: number;
  /** How long a closing connection may take to flush before it is destroyed. */
  closeGraceMs?: number;
  /** The shared folder's service (LIST_FILES, DOWNLOAD_TCP, uploads); without it those commands are refused. */
  files?: FileService;
  /** Speak TLS: on `port` alone, or on `tls.port` beside plain TCP on `port` (one chat). */
  tls?: TlsServerOptions & { port?: number };
  /** The registry to use instead of a lone server's own (a cluster node's, which relays to other nodes). */
  registry?: UserRegistry;
  /** Accounts, bans and the server password (AUTH, PASS, operator commands). */
  accounts?: AccountService;
}

/** TCP keepalive on accepted sockets finds peers that vanished without a FIN. */
const KEEPALIVE_DELAY_MS = 60_000;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
/** Closed addresses remembered (for their connect rate and flood bucket): 4 per connection, at least 1024. */
const RESTING_ADDRESSES_PER_CONNECTION = 4;
const MIN_RESTING_ADDRESSES = 1024;

export class ChatServer implements SessionHost {
  readonly registry: UserRegistry;
  readonly batcher: OutputBatcher;
  private readonly sessions = new Set<ServerSession>();
  /** Connections refused for a limit, kept only until their ERROR line is out. */
  private readonly refused = new Set<LineLink>();
  /** Connections we are closing, and when they will be destroyed if still open. */
  private readonly closing = new Map<LineLink, number>();
  /** Connections, connect rate and shared flood bucket per address; bounded, swept. */
  private readonly addresses: AddressThrottle;
  private readonly listeners: TcpServer[] = [];
  /** TLS sockets in their handshake, counted against their address like connections. */
  private readonly handshakePeers = new Map<string, PeerAddress>();
  private sweepTimer: TimerHandle | undefined;
  private nextId = 1;
  /** Set the moment shutdown starts, before any session closes. */
  private stopping = false;
  private shuttingDown: Promise<void> | undefined;
  private whenEmpty: (() => void) | undefined;

  constructor(
    readonly limits: ChatLimits,
    readonly clock: Clock,
    private readonly onEvent: ChatServerEventListener,
    private readonly sweepIntervalMs: number,
    private readonly closeGraceMs: number,
    readonly files: FileService | undefined = undefined,
    registry: UserRegistry | undefined = undefined,
    readonly accounts: AccountService | undefined = undefined,
  ) {
    this.registry = registry ?? new UserRegistry(limits, clock);
    this.batcher = new OutputBatcher(limits.maxSendQueueBytes);
    this.addresses = new AddressThrottle(limits, Math.max(MIN_RESTING_ADDRESSES, RESTING_ADDRESSES_PER_CONNECTION * limits.maxConnections));
  }

  get address(): SocketAddress {
    if (!this.listeners[0]) throw new Error('chat server is not listening');
    return this.listeners[0].address;
  }

  /** Every address listened on, and whether it speaks TLS. */
  get listening(): Array<{ address: SocketAddress; encrypted: boolean }> {
    return this.listeners.map((listener) => ({ address: listener.address, encrypted: listener.encrypted }));
  }

  /** New certificate and key for TLS connections accepted from now on; those open keep theirs. */
  setTlsCredentials(credentials: TlsCredentials): void {
    for (const listener of this.listeners) if (listener.encrypted) listener.setTlsCredentials(credentials);
  }

  /** Open connections, registered or not (refused ones are not counted). */
  get connectionCount(): number {
    return this.sessions.size;
  }

  get userCount(): number {
    return this.registry.userCount;
  }

  /** Listen on one more address (call again for a second, TLS, port); all share one chat. */
  async listen(runtime: Pick<Runtime, 'listenTcp'>, host: string, port: number, tls?: TlsServerOptions): Promise<void> {
    const listener = await runtime.listenTcp(
      {
        host,
        port,
        allowHalfOpen: true,
        onAcceptPaused: (error) => this.onEvent({ type: 'accept-paused', code: error.code, connections: this.sessions.size }),
        onAcceptResumed: () => this.onEvent({ type: 'accept-resumed', connections: this.sessions.size }),
        ...(tls && {
          tls: { ...tls, plainReply: `${serverLine.error('TLS_REQUIRED', TLS_REQUIRED_TEXT)}\n` },
          onHandshakeStart: (remote) => this.admitHandshake(remote),
          onConnectionFailed: (remote, error) => this.handshakeFailed(remote, error.code),
        }),
      },
      (connection) => this.acceptTcp(connection),
    );
    this.listeners.push(listener);
    if (this.sweepTimer === undefined) this.scheduleSweep();
  }

  /** A TCP connection becomes a line link; from here on nothing knows it is TCP. */
  private acceptTcp(connection: TcpConnection): void {
    const peer = this.takeHandshakePeer(connection.remote);
    if (this.stopping) {
      if (peer) this.addresses.release(peer, this.clock.now());
      return connection.destroy();
    }
    connection.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    if (!connection.encrypted) {
      onTlsClientHello(connection, () => {
        this.onEvent({ type: 'tls-failed', remote: connection.remote, code: 'TLS_CLIENT_ON_PLAIN_PORT' });
        connection.destroy();
      });
    }
    this.accept(new TcpLineLink(connection, this.limits), peer);
  }

  /** A TLS handshake counts against its address's connections and connect rate from its start. */
  private admitHandshake(remote: SocketAddress): boolean {
    if (this.stopping) return false;
    const admission = this.addresses.admit(remote.address, this.clock.now());
    if (admission.refused) {
      // No ERROR line can reach a client before its handshake: it is only closed.
      if (admission.report) this.onEvent({ type: 'refuse', remote, code: admission.refused });
      return false;
    }
    this.handshakePeers.set(`${remote.address}|${remote.port}`, admission.peer);
    return true;
  }

  private takeHandshakePeer(remote: SocketAddress): PeerAddress | undefined {
    const key = `${remote.address}|${remote.port}`;
    const peer = this.handshakePeers.get(key);
    this.handshakePeers.delete(key);
    return peer;
  }

  private handshakeFailed(remote: SocketAddress, code: string): void {
    const peer = this.takeHandshakePeer(remote);
    if (peer) this.addresses.release(peer, this.clock.now());
    this.onEvent({ type: 'tls-failed', remote, code });
  }

  /**
   * Accept one connection or refuse it with an ERROR line when a limit is reached. `admitted`:
   * its address was already counted (a TLS connection, from the start of its handshake).
   */
  accept(link: LineLink, admitted?: PeerAddress): void {
    const remote = link.remote;
    const release = () => admitted && this.addresses.release(admitted, this.clock.now());
    if (this.stopping) {
      release();
      return link.destroy();
    }
    if (this.sessions.size >= this.limits.maxConnections) {
      release();
      return this.refuse(link, 'SERVER_FULL', `the server is full (${this.limits.maxConnections} connections)`);
    }
    const now = this.clock.now();
    const admission = admitted ? { peer: admitted } : this.addresses.admit(remote.address, now);
    if (admission.refused === 'TOO_MANY_CONNECTIONS') {
      const message = `too many connections from ${remote.address} (limit ${this.limits.maxConnectionsPerIp})`;
      return this.refuse(link, admission.refused, message, admission.report);
    }
    if (admission.refused) {
      const message = `too many new connections from ${remote.address}; wait a moment (limit ${this.limits.connectRatePerIp} a second)`;
      return this.refuse(link, admission.refused, message, admission.report);
    }
    // Checked after the connect rate, so a banned address reconnecting in a loop is slowed and
    // its refusals logged no more often than its connections would be.
    if (this.accounts?.bans.addressBanned(remote.address)) {
      this.addresses.release(admission.peer, now);
      return this.refuse(link, 'BANNED', 'this address is banned from this server');
    }
    const session = new ServerSession(this.nextId++, link, this, now, admission.peer);
    this.sessions.add(session);
    this.onEvent({ type: 'connect', id: session.id, remote });
    session.reply(serverLine.greeting());
    const hint = this.accounts?.greetingHint(remote.address, link.encrypted);
    if (hint) session.reply(hint);
  }

  /** Send the ERROR line and close; `report` false keeps a refusal out of the events (a reconnect loop is reported once). */
  private refuse(link: LineLink, code: RefusalCode, message: string, report = true): void {
    this.refused.add(link);
    this.closing.set(link, this.clock.now() + this.closeGraceMs);
    link.attach(this.refusedLinkHandler(link));
    link.end(serverLine.error(code, message));
    if (report) this.onEvent({ type: 'refuse', remote: link.remote, code });
  }

  /** Anything a refused peer sends is ignored (reading it lets the close complete). */
  private refusedLinkHandler(link: LineLink): LineLinkHandler {
    const ignore = () => {};
    return {
      line: ignore,
      overlong: ignore,
      inputOverflow: ignore,
      peerEnded: ignore,
      closed: () => {
        this.refused.delete(link);
        this.closing.delete(link);
        this.checkEmpty();
      },
    };
  }

  sessionRegistered(session: ServerSession): void {
    this.onEvent({ type: 'register', id: session.id, remote: session.link.remote, name: session.name! });
  }

  sessionClosing(session: ServerSession): void {
    // During shutdown everyone leaves at once: no one is told about anyone else.
    this.registry.remove(session, this.stopping ? undefined : session.reasonText);
    // A user who left has no use for tickets still unused (another may take the name).
    if (session.name !== undefined) this.files?.tickets.revoke(session.name);
    this.closing.set(session.link, this.clock.now() + this.closeGraceMs);
  }

  sessionClosed(session: ServerSession): void {
    if (!this.sessions.delete(session)) return;
    this.closing.delete(session.link);
    this.addresses.release(session.peer, this.clock.now(), session.reason === 'transfer-done');
    this.onEvent({
      type: 'disconnect',
      id: session.id,
      remote: session.link.remote,
      ...(session.name !== undefined && { name: session.name }),
      reason: session.reason ?? 'closed-by-peer',
      ...(session.quitMessage !== undefined && { message: session.quitMessage }),
    });
    this.checkEmpty();
  }

  /** Check every connection's timeouts and destroy connections that overstayed their close. */
  sweep(): void {
    const now = this.clock.now();
    for (const session of this.sessions) session.checkTimeouts(now);
    this.addresses.sweep(now);
    this.registry.sendNoticeSummary(now);
    for (const [link, deadline] of this.closing) {
      if (now >= deadline) {
        this.closing.delete(link);
        link.destroy();
      }
    }
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweep();
      this.scheduleSweep();
    }, this.sweepIntervalMs);
  }

  /**
   * Tell every client the server is shutting down, end every connection, destroy those still
   * open after the close grace, stop listening. Resolves when all of it is done; safe to call twice.
   */
  close(): Promise<void> {
    this.shuttingDown ??= this.shutdown();
    return this.shuttingDown;
  }

  private async shutdown(): Promise<void> {
    // Set before any session closes: a closing session must not announce itself to the others,
    // or N users would get N² leave lines ahead of the shutdown notice.
    this.stopping = true;
    const listenerClosed = Promise.all(this.listeners.map((listener) => listener.close()));
    for (const session of [...this.sessions]) session.close('server-shutdown', serverLine.shutdown());
    this.registry.clear();
    const empty = new Promise<void>((resolve) => {
      this.whenEmpty = resolve;
    });
    this.checkEmpty();
    const grace = this.clock.setTimeout(() => {
      for (const session of this.sessions) session.link.destroy();
      for (const link of this.refused) link.destroy();
    }, this.closeGraceMs);
    await empty;
    this.clock.clearTimeout(grace);
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    await listenerClosed;
  }

  private checkEmpty(): void {
    if (this.whenEmpty && this.sessions.size === 0 && this.refused.size === 0) {
      const resolve = this.whenEmpty;
      this.whenEmpty = undefined;
      resolve();
    }
  }
}

/** Check the limits, listen, and return the running server. */
export async function startChatServer(
  runtime: Pick<Runtime, 'listenTcp'>,
  options: ChatServerOptions,
): Promise<ChatServer> {
  const limits = resolveChatLimits(options.limits);
  const server = new ChatServer(
    limits,
    options.clock ?? systemClock,
    options.onEvent ?? (() => {}),
    options.sweepIntervalMs ?? defaultSweepInterval(limits),
    options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
    options.files,
    options.registry,
    options.accounts,
  );
  const { port: tlsPort, ...tls } = options.tls ?? {};
  try {
    await server.listen(runtime, options.host, options.port, options.tls && tlsPort === undefined ? (tls as TlsServerOptions) : undefined);
    if (options.tls && tlsPort !== undefined) await server.listen(runtime, options.host, tlsPort, tls as TlsServerOptions);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

function defaultSweepInterval(limits: ChatLimits): number {
  const timeouts = [limits.registrationTimeoutMs, limits.pingIntervalMs, limits.pingTimeoutMs].filter((t) => t > 0);
  const shortest = Math.min(4_000, ...timeouts);
  return Math.min(1_000, Math.max(50, Math.floor(shortest / 4)));
}
