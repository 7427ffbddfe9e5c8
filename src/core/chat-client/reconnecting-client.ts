// A chat session that outlives its connection: when the server goes away after we joined, it
// connects again with the same name (through the Reconnector's backoff), rejoins the groups it
// was in, and sends what was typed meanwhile. Its users see one client: one stream of events, one
// `closed` that resolves only when the session really ends. Without a `reconnect` function it is
// the connection itself, with nothing added.
import type { ChatClient, ChatClientEvents, CloseInfo, SendResult } from './chat-client.ts';
import { clientLine } from '../../protocol/chat/chat-lines.ts';
import type { Clock } from '../shared/clock.ts';
import { Reconnector, type ReconnectPolicy, type ReconnectStatus } from './reconnect.ts';

/** What sessions, transfers and output flow use of a chat client. */
export type ChatSessionClient = Pick<
  ChatClient,
  'name' | 'maxLineBytes' | 'closed' | 'isClosed' | 'queuedLines' | 'send' | 'leave' | 'close' | 'pauseReading' | 'resumeReading' | 'requestTicket'
> & {
  on<E extends keyof SessionClientEvents>(event: E, listener: SessionClientEvents[E]): () => void;
};

export type ConnectionStatus =
  /** The connection ended and another will be tried. */
  | { state: 'lost'; close: CloseInfo }
  | ReconnectStatus
  /** Joined again as `name`; `groups` were joined again too. */
  | { state: 'rejoined'; name: string; groups: string[] };

export interface SessionClientEvents extends ChatClientEvents {
  status: (status: ConnectionStatus) => void;
}

export interface ReconnectingClientOptions {
  /** Connect and join with `name`, resolving once joined; undefined: never reconnect. */
  reconnect?: (name: string) => Promise<ChatClient>;
  clock: Clock;
  policy?: Partial<ReconnectPolicy>;
  random?: () => number;
  /** Lines kept while disconnected; past this `send` refuses. */
  maxPendingLines?: number;
}

/**
 * A connection lost this soon after it was made again counts as one more failed attempt, so a
 * server that lets us in and drops us at once is not hammered at the shortest wait.
 */
const STABLE_AFTER_MS = 30_000;

/** Closes after which coming back is right: the server went, not us, and it did not throw us out. */
const RECONNECT_AFTER: ReadonlySet<CloseInfo['reason']> = new Set(['server-closed', 'shutdown', 'error', 'timeout']);

export class ReconnectingClient implements ChatSessionClient {
  readonly closed: Promise<CloseInfo>;
  private current: ChatClient;
  private reconnector: Reconnector<ChatClient> | undefined;
  private readonly groups = new Set<string>();
  private readonly pending: string[] = [];
  private readonly maxPendingLines: number;
  private readingPaused = false;
  private leaveRequest: { reason?: string } | undefined;
  /** When the last reconnect succeeded, and after how many attempts. */
  private lastRejoin: { at: number; attempts: number } | undefined;
  private detach: () => void = () => {};
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private readonly listeners: { [E in keyof SessionClientEvents]: Set<SessionClientEvents[E]> } = {
    event: new Set(),
    drain: new Set(),
    close: new Set(),
    status: new Set(),
  };

  constructor(
    first: ChatClient,
    private readonly options: ReconnectingClientOptions,
  ) {
    this.maxPendingLines = options.maxPendingLines ?? 256;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.current = first;
    this.attach(first);
  }

  get name(): string | undefined {
    return this.current.name;
  }

  get maxLineBytes(): number {
    return this.current.maxLineBytes;
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Whether the session waits for a new connection. */
  get reconnecting(): boolean {
    return this.reconnector !== undefined;
  }

  get queuedLines(): number {
    return this.current.queuedLines + this.pending.length;
  }

  on<E extends keyof SessionClientEvents>(event: E, listener: SessionClientEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  send(line: string): SendResult {
    if (!this.reconnector) return this.current.send(line);
    if (this.closeInfo) return { ok: false, code: 'CLOSED', message: 'the connection is closed' };
    if (this.leaveRequest) return { ok: false, code: 'LEAVING', message: 'the client is leaving' };
    if (this.pending.length >= this.maxPendingLines) {
      return { ok: false, code: 'NOT_CONNECTED', message: `not connected, and ${this.maxPendingLines} lines already wait to be sent` };
    }
    this.pending.push(line);
    return { ok: true };
  }

  leave(options: { discardQueued?: boolean; reason?: string } = {}): Promise<CloseInfo> {
    if (this.closeInfo) return this.closed;
    if (!this.reconnector) return this.current.leave(options).then(() => this.closed);
    // Lines typed while disconnected are sent before leaving, as leave() promises, unless dropped.
    if (options.discardQueued || this.pending.length === 0) {
      this.reconnector.stop();
      this.finish({ reason: 'quit' });
    } else {
      this.leaveRequest = { reason: options.reason };
    }
    return this.closed;
  }

  close(): void {
    if (this.closeInfo) return;
    if (this.reconnector) {
      this.reconnector.stop();
      this.finish({ reason: 'aborted' });
    } else {
      this.current.close();
    }
  }

  pauseReading(): void {
    this.readingPaused = true;
    this.current.pauseReading();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.current.resumeReading();
  }

  requestTicket(): Promise<string> {
    if (this.reconnector) return Promise.reject(Object.assign(new Error('not connected: reconnecting'), { code: 'NOT_CONNECTED' }));
    return this.current.requestTicket();
  }

  private attach(client: ChatClient): void {
    const offEvent = client.on('event', (event, line) => {
      if (event.type === 'joined-group') this.groups.add(event.group);
      else if (event.type === 'left-group') this.groups.delete(event.group);
      this.emit('event', event, line);
    });
    const offDrain = client.on('drain', () => this.emit('drain'));
    const offClose = client.on('close', (info) => this.connectionClosed(info));
    this.detach = () => {
      offEvent();
      offDrain();
      offClose();
    };
  }

  private connectionClosed(info: CloseInfo): void {
    const name = this.current.name;
    const reconnect = this.options.reconnect;
    if (!reconnect || name === undefined || !RECONNECT_AFTER.has(info.reason)) return this.finish(info);
    this.emit('status', { state: 'lost', close: info });
    const clock = this.options.clock;
    const flapped = this.lastRejoin !== undefined && clock.now() - this.lastRejoin.at < STABLE_AFTER_MS;
    const reconnector = new Reconnector<ChatClient>({
      connect: () => reconnect(name),
      clock,
      policy: this.options.policy,
      random: this.options.random,
      firstAttempt: flapped ? this.lastRejoin!.attempts + 1 : 1,
      onStatus: (status) => {
        if (status.state === 'connected') this.lastRejoin = { at: clock.now(), attempts: status.attempt };
        this.emit('status', status);
      },
    });
    this.reconnector = reconnector;
    void reconnector.run((late) => late.close()).then((client) => {
      if (this.reconnector !== reconnector) return;
      this.reconnector = undefined;
      if (client) this.resume(client);
      else this.finish(this.closeInfo ?? info);
    });
  }

  private resume(client: ChatClient): void {
    this.detach();
    this.current = client;
    this.attach(client);
    if (this.readingPaused) client.pauseReading();
    const groups = [...this.groups];
    for (const group of groups) client.send(clientLine.joinGroup(group));
    this.emit('status', { state: 'rejoined', name: client.name ?? '', groups });
    for (const line of this.pending.splice(0)) {
      const sent = client.send(line);
      if (!sent.ok) this.emit('event', { type: 'error', code: sent.code, message: sent.message }, `ERROR ${sent.code} ${sent.message}`);
    }
    if (this.leaveRequest) void client.leave(this.leaveRequest);
    else if (client.queuedLines === 0) this.emit('drain');
  }

  private finish(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.detach();
    this.resolveClosed(info);
    this.emit('close', info);
  }

  private emit<E extends keyof SessionClientEvents>(event: E, ...args: Parameters<SessionClientEvents[E]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: typeof args) => void)(...args);
  }
}
