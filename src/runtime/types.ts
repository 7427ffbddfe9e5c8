// The runtime-abstraction layer's one vocabulary. Everything above src/runtime/ reaches
// sockets through these interfaces only, so a runtime-native fast path (Bun.listen,
// Deno.listen) can be added later as another implementation without touching chat code.

export type RuntimeName = 'node' | 'bun' | 'deno';

export interface SocketAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface TcpConnectionEvents {
  /** Bytes from the peer, in arrival order. Chunk boundaries carry no meaning. */
  data: (chunk: Uint8Array) => void;
  /** The kernel took everything queued: writing may continue. */
  drain: () => void;
  /** The peer half-closed its side (FIN); the connection can still be written. */
  end: () => void;
  /** Fully closed; fired exactly once, after any `error`. */
  close: (hadError: boolean) => void;
  error: (error: Error) => void;
}

export interface TcpConnection {
  readonly remote: SocketAddress;
  readonly local: SocketAddress;
  /** Bytes accepted by `write` and not yet handed to the kernel. */
  readonly pendingWriteBytes: number;
  readonly closed: boolean;
  /** Queue bytes; never blocks. Returns false once the userspace buffer is over its mark. */
  write(data: Uint8Array | string): boolean;
  /** Hold writes until `uncork`, so many small writes leave in one system call. */
  cork(): void;
  uncork(): void;
  /** Flush what is queued, then half-close our side. */
  end(data?: Uint8Array | string): void;
  /** Close now, dropping anything unsent. */
  destroy(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay: boolean): void;
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this;
  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this;
}

export interface TcpListenOptions {
  host: string;
  port: number;
  backlog?: number;
  /** Keep our side writable after the peer's FIN (needed to answer a request then close). */
  allowHalfOpen?: boolean;
}

export interface TcpServer {
  readonly address: SocketAddress;
  /** Stop accepting; resolves when the listening socket is closed (open connections are the caller's). */
  close(): Promise<void>;
}

export interface TcpConnectOptions {
  host: string;
  port: number;
  allowHalfOpen?: boolean;
  /** Give up connecting after this long (0 = the OS default). */
  timeoutMs?: number;
}

export interface UdpRemote {
  address: string;
  port: number;
}

export interface UdpSocketEvents {
  message: (data: Uint8Array, from: UdpRemote) => void;
  error: (error: Error) => void;
  close: () => void;
}

export interface UdpSocket {
  readonly address: SocketAddress;
  /** Resolves once the datagram is handed to the kernel; rejects with the send error. */
  send(data: Uint8Array | string, port: number, host: string): Promise<void>;
  setReceiveBufferSize(bytes: number): void;
  setSendBufferSize(bytes: number): void;
  close(): Promise<void>;
  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this;
  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this;
}

export interface UdpBindOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  reuseAddr?: boolean;
}

export interface NetworkInterfaceAddress {
  interfaceName: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

export interface Runtime {
  readonly name: RuntimeName;
  readonly version: string;
  listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer>;
  connectTcp(options: TcpConnectOptions): Promise<TcpConnection>;
  bindUdp(options: UdpBindOptions): Promise<UdpSocket>;
  /** Addresses of this machine's interfaces, for telling users where a server can be reached. */
  networkAddresses(): NetworkInterfaceAddress[];
}
