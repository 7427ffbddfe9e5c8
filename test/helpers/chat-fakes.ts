// Fake clock, fake TCP connections and a fake runtime for driving the chat server core without
// sockets or real time. The real-socket tests live in chat-server-net.test.ts. The server
// tests hook `afterInput`/`afterTimer` to flush the send queue, so what the server wrote can be
// checked right after the event that caused it.
import type { ChatServerEvent } from '../../src/core/chat/server-events.ts';
import { startChatServer, type ChatServer } from '../../src/core/chat/chat-server.ts';
import type { ChatLimits } from '../../src/core/chat/chat-limits.ts';
import { FakeClock } from './fake-clock.ts';
import type {
  Runtime,
  SocketAddress,
  TcpConnection,
  TcpConnectionEvents,
  TcpListenOptions,
  TcpServer,
} from '../../src/runtime/types.ts';

export { FakeClock };

const decoder = new TextDecoder();

export class FakeConnection implements TcpConnection {
  readonly local: SocketAddress = { address: '127.0.0.1', port: 12000, family: 'IPv4' };
  readonly writes: Uint8Array[] = [];
  /** Bytes the "kernel" refused: what pendingWriteBytes reports after an uncork. */
  stuckBytes = 0;
  corks = 0;
  uncorks = 0;
  paused = false;
  ended = false;
  destroyed = false;
  keepAlive = false;
  /** Close by itself right after the server ends it, like a cooperating peer. */
  autoClose = true;
  private corkDepth = 0;
  private corkedBytes = 0;
  private listeners: { [E in keyof TcpConnectionEvents]?: Array<TcpConnectionEvents[E]> } = {};
  private closedEmitted = false;

  constructor(
    readonly remote: SocketAddress,
    /** Runs after every event the peer causes (the server tests flush the send queue here). */
    private readonly afterInput: () => void = () => {},
  ) {}

  get pendingWriteBytes(): number {
    return this.stuckBytes + this.corkedBytes;
  }

  get closed(): boolean {
    return this.destroyed || this.closedEmitted;
  }

  write(data: Uint8Array | string): boolean {
    if (this.ended || this.destroyed) return false;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.writes.push(bytes);
    if (this.corkDepth > 0) this.corkedBytes += bytes.length;
    return true;
  }

  cork(): void {
    this.corks++;
    this.corkDepth++;
  }

  uncork(): void {
    this.uncorks++;
    if (this.corkDepth > 0) this.corkDepth--;
    if (this.corkDepth === 0) this.corkedBytes = 0;
  }

  end(data?: Uint8Array | string): void {
    if (this.ended || this.destroyed) return;
    if (data !== undefined) this.write(data);
    this.corkDepth = 0;
    this.corkedBytes = 0;
    this.ended = true;
    if (this.autoClose) queueMicrotask(() => this.emitClose(false));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emitClose(false));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  setNoDelay(): void {}

  setKeepAlive(enable: boolean): void {
    this.keepAlive = enable;
  }

  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    ((this.listeners[event] ??= []) as Array<TcpConnectionEvents[E]>).push(listener);
    return this;
  }

  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    const list = this.listeners[event] as Array<TcpConnectionEvents[E]> | undefined;
    if (list) list.splice(list.indexOf(listener), 1);
    return this;
  }

  // ---- the peer's side ------------------------------------------------------------------------

  /** The peer sends bytes (a string is UTF-8 encoded). */
  send(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (const listener of this.listeners.data ?? []) listener(bytes);
    this.afterInput();
  }

  peerEnd(): void {
    for (const listener of this.listeners.end ?? []) listener();
    this.afterInput();
  }

  /** A transport error, as a real socket reports it before closing with hadError. */
  emitError(error: Error): void {
    for (const listener of this.listeners.error ?? []) listener(error);
  }

  /** The kernel took what was queued. */
  emitDrain(): void {
    for (const listener of this.listeners.drain ?? []) listener();
  }

  emitClose(hadError: boolean): void {
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    for (const listener of this.listeners.close ?? []) listener(hadError);
    this.afterInput();
  }

  /** Everything the server wrote, as lines. */
  lines(): string[] {
    const text = this.writes.map((w) => decoder.decode(w)).join('');
    return text.split('\n').slice(0, -1);
  }

  /** Lines matching `pattern`. */
  linesMatching(pattern: RegExp): string[] {
    return this.lines().filter((line) => pattern.test(line));
  }

  /** ERROR codes received, in order. */
  errorCodes(): string[] {
    return this.lines()
      .filter((line) => line.startsWith('ERROR '))
      .map((line) => line.split(' ')[1]!);
  }
}

/** A runtime whose listenTcp hands out FakeConnections on demand. */
export class FakeNetwork implements Pick<Runtime, 'listenTcp'> {
  onConnection: ((connection: TcpConnection) => void) | undefined;
  /** Runs after every accept and every peer event (the server tests flush the send queue here). */
  afterInput: () => void = () => {};
  listenOptions: TcpListenOptions | undefined;
  listenerClosed = false;
  private nextPort = 40000;

  listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
    this.listenOptions = options;
    this.onConnection = onConnection;
    return Promise.resolve({
      address: { address: options.host, port: options.port || 12000, family: 'IPv4' },
      close: async () => {
        this.listenerClosed = true;
      },
    });
  }

  connect(address = '127.0.0.1'): FakeConnection {
    const connection = new FakeConnection({ address, port: this.nextPort++, family: 'IPv4' }, () => this.afterInput());
    this.onConnection!(connection);
    this.afterInput();
    return connection;
  }
}

/** Resolves after every microtask queued so far (the send queue's uncork among them). */
export function microtasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(() => queueMicrotask(resolve)));
}

export interface FakeChat {
  network: FakeNetwork;
  clock: FakeClock;
  server: ChatServer;
  /** Everything the server reported, in order. */
  events: ChatServerEvent[];
  /** Connect and send `JOIN <name>`. */
  join(name: string, address?: string): FakeConnection;
}

/**
 * A chat server on fake connections and a fake clock, flood control off unless `limits` turn it
 * on, timeouts swept every 10 ms, closing connections destroyed after 100 ms. The send queue is
 * flushed after every peer event and timer, so replies can be checked right away.
 */
export async function startFakeChat(limits: Partial<ChatLimits> = {}): Promise<FakeChat> {
  const network = new FakeNetwork();
  const clock = new FakeClock();
  const events: ChatServerEvent[] = [];
  const server = await startChatServer(network, {
    host: '127.0.0.1',
    port: 0,
    limits: { floodBurst: 0, ...limits },
    clock,
    onEvent: (event) => events.push(event),
    sweepIntervalMs: 10,
    closeGraceMs: 100,
  });
  network.afterInput = server.batcher.flush;
  clock.afterTimer = server.batcher.flush;
  const join = (name: string, address?: string) => {
    const connection = network.connect(address);
    connection.send(`JOIN ${name}\n`);
    return connection;
  };
  return { network, clock, server, events, join };
}
