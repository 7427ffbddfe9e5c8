// A TcpConnection without sockets, in one of two modes.
//
// Alone (made with `new`, or by FakeNetwork.connect): the test plays the peer with `send`,
// `peerEnd` and `emitClose`, and reads what was written from `writes`/`lines()`; the kernel takes
// every write at once unless `stuckBytes` says otherwise, and `end` closes by itself unless
// `autoClose` is off. The chat tests drive the server this way.
//
// Linked (made in pairs by FakeNetwork.connectTcp): a loopback socket in memory. Writes reach the
// other end a microtask later unless it is paused or nobody there listens for 'data' yet; `pendingWriteBytes` counts what it has not
// taken, `write` returns false at `highWaterMark` and 'drain' follows; `end` reaches the other
// end after the data; a side without `allowHalfOpen` ends its own side when the peer's end
// arrives; 'close' fires once on each side. The runtime contract suite holds it to the real thing.
//
// After `reuseReadBuffer` (unless `reusesReads` is off), what the peer sends arrives as views of
// one buffer, scribbled over once the listeners return: a consumer that keeps a chunk without
// copying it keeps garbage, and the test sees it.
import type { SocketAddress, TcpConnection, TcpConnectionEvents } from '../../src/runtime/types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytesOf = (data: string | Uint8Array) => (typeof data === 'string' ? encoder.encode(data) : data);

export interface FakeConnectionOptions {
  /** Runs after every event the peer causes (the server tests flush the send queue here). */
  afterInput?: () => void;
  allowHalfOpen?: boolean;
  /** What a TLS handshake would have told this side. */
  tls?: { peerCertificateFingerprint256: string | undefined; peerCertificateVerified: boolean };
  /** Whether `reuseReadBuffer` agrees (default true, as Node's plain sockets do). */
  reusesReads?: boolean;
}

export class FakeConnection implements TcpConnection {
  readonly writes: Uint8Array[] = [];
  /** Bytes the "kernel" refused: what pendingWriteBytes reports after an uncork. */
  stuckBytes = 0;
  corks = 0;
  uncorks = 0;
  paused = false;
  ended = false;
  destroyed = false;
  keepAlive = false;
  /** Alone: close by itself right after the server ends it, like a cooperating peer. */
  autoClose = true;
  /** Linked: `write` returns false once this many bytes wait for the peer (Node's default mark). */
  highWaterMark = 16 * 1024;
  readonly encrypted: boolean;
  readonly peerCertificateFingerprint256: string | undefined;
  readonly peerCertificateVerified: boolean;
  private readonly afterInput: () => void;
  private readonly allowHalfOpen: boolean;
  private readonly reusesReads: boolean;
  /** Set by `reuseReadBuffer`: every chunk received is a view of it, valid only during 'data'. */
  private readBuffer: Uint8Array | undefined;
  private corkDepth = 0;
  private corkedBytes = 0;
  private listeners: { [E in keyof TcpConnectionEvents]?: Array<TcpConnectionEvents[E]> } = {};
  private closedEmitted = false;
  // Linked mode only.
  private peer: FakeConnection | undefined;
  private outgoing: Uint8Array[] = [];
  private outgoingBytes = 0;
  private needDrain = false;
  private flushQueued = false;
  private endDelivered = false;
  private peerEnded = false;

  constructor(
    readonly remote: SocketAddress,
    options: FakeConnectionOptions | (() => void) = {},
  ) {
    const { afterInput = () => {}, allowHalfOpen = false, tls, reusesReads = true } = typeof options === 'function' ? { afterInput: options } : options;
    this.afterInput = afterInput;
    this.reusesReads = reusesReads && tls === undefined;
    this.allowHalfOpen = allowHalfOpen;
    this.encrypted = tls !== undefined;
    this.peerCertificateFingerprint256 = tls?.peerCertificateFingerprint256;
    this.peerCertificateVerified = tls?.peerCertificateVerified ?? false;
  }

  /** Make `a` and `b` the two ends of one connection. */
  static link(a: FakeConnection, b: FakeConnection): void {
    a.peer = b;
    b.peer = a;
  }

  get pendingWriteBytes(): number {
    return this.stuckBytes + this.corkedBytes + this.outgoingBytes;
  }

  get closed(): boolean {
    return this.destroyed || this.closedEmitted;
  }

  write(data: Uint8Array | string): boolean {
    if (this.ended || this.destroyed) return false;
    const bytes = bytesOf(data);
    this.writes.push(bytes);
    if (!this.peer) {
      if (this.corkDepth > 0) this.corkedBytes += bytes.length;
      return true;
    }
    // A copy, as the kernel makes one: the writer may reuse its buffer.
    this.outgoing.push(bytes.slice());
    this.outgoingBytes += bytes.length;
    this.scheduleFlush();
    if (this.outgoingBytes < this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  cork(): void {
    this.corks++;
    this.corkDepth++;
  }

  uncork(): void {
    this.uncorks++;
    if (this.corkDepth > 0) this.corkDepth--;
    if (this.corkDepth > 0) return;
    this.corkedBytes = 0;
    this.scheduleFlush();
  }

  end(data?: Uint8Array | string): void {
    if (this.ended || this.destroyed) return;
    if (data !== undefined) this.write(data);
    this.corkDepth = 0;
    this.corkedBytes = 0;
    this.ended = true;
    if (this.peer) this.scheduleFlush();
    else if (this.autoClose) queueMicrotask(() => this.emitClose(false));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.outgoing = [];
    this.outgoingBytes = 0;
    queueMicrotask(() => {
      this.emitClose(false);
      // The peer sees our FIN, as after a real destroy with nothing unread.
      this.peer?.receiveEnd();
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.peer?.scheduleFlush();
  }

  setKeepAlive(enable: boolean): void {
    this.keepAlive = enable;
  }

  reuseReadBuffer(bytes: number): boolean {
    if (!this.reusesReads) return false;
    this.readBuffer ??= new Uint8Array(bytes);
    return true;
  }

  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    ((this.listeners[event] ??= []) as Array<TcpConnectionEvents[E]>).push(listener);
    // Linked: what came before anyone listened is held for the first 'data' listener.
    if (event === 'data') this.peer?.scheduleFlush();
    return this;
  }

  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    const list = this.listeners[event] as Array<TcpConnectionEvents[E]> | undefined;
    const index = list?.indexOf(listener) ?? -1;
    if (index >= 0) list!.splice(index, 1);
    return this;
  }

  // ---- the peer's side, when the test plays it ------------------------------------------------

  /** The peer sends bytes (a string is UTF-8 encoded). */
  send(data: string | Uint8Array): void {
    const bytes = bytesOf(data);
    const buffer = this.readBuffer;
    if (!buffer) {
      for (const listener of [...(this.listeners.data ?? [])]) listener(bytes);
    } else {
      for (let at = 0; at < bytes.length; at += buffer.length) {
        const piece = bytes.subarray(at, at + buffer.length);
        buffer.set(piece);
        for (const listener of [...(this.listeners.data ?? [])]) listener(buffer.subarray(0, piece.length));
        buffer.fill(0xee);
      }
    }
    this.afterInput();
  }

  peerEnd(): void {
    for (const listener of [...(this.listeners.end ?? [])]) listener();
    this.afterInput();
  }

  /** A transport error, as a real socket reports it before closing with hadError. */
  emitError(error: Error): void {
    for (const listener of [...(this.listeners.error ?? [])]) listener(error);
  }

  /** The kernel took what was queued. */
  emitDrain(): void {
    for (const listener of [...(this.listeners.drain ?? [])]) listener();
  }

  emitClose(hadError: boolean): void {
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    for (const listener of [...(this.listeners.close ?? [])]) listener(hadError);
    this.afterInput();
  }

  /** Everything written, as lines. */
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

  // ---- linked mode ------------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushQueued || !this.peer) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Hand what is written to the peer once it reads (not corked, not paused), then our end. */
  private flush(): void {
    const peer = this.peer!;
    if (this.corkDepth > 0 || this.destroyed) return;
    if (peer.closed) {
      this.outgoing = [];
      this.outgoingBytes = 0;
    }
    if (peer.paused || !peer.listeners.data?.length) return;
    const chunks = this.outgoing;
    this.outgoing = [];
    this.outgoingBytes = 0;
    for (const chunk of chunks) peer.send(chunk);
    if (this.needDrain) {
      this.needDrain = false;
      this.emitDrain();
    }
    if (this.ended && !this.endDelivered) {
      this.endDelivered = true;
      peer.receiveEnd();
      this.closeWhenBothEnded();
    }
  }

  private receiveEnd(): void {
    if (this.peerEnded || this.closed) return;
    this.peerEnded = true;
    this.peerEnd();
    // Without allowHalfOpen a socket ends its own side when the peer's end arrives.
    if (!this.allowHalfOpen) this.end();
    this.closeWhenBothEnded();
  }

  private closeWhenBothEnded(): void {
    const peerGone = this.peer?.destroyed ?? true;
    if (this.peerEnded && this.ended && (this.endDelivered || peerGone)) queueMicrotask(() => this.emitClose(false));
  }
}
