// The runtime layer's one vocabulary. Everything above src/runtime/ reaches sockets, files,
// hashing and certificates through these interfaces only, so a runtime-native fast path
// (Bun.listen, Deno.listen) can be added later as another implementation without touching core
// code, and tests can hand core the fakes in test/helpers/.
//
// Errors keep a stable `code`: the operating system's errno name for system calls (ENOENT,
// EEXIST, ENOSPC, ELOOP, EACCES, ECONNREFUSED …), or one of runtime-errors.ts's own codes.

import type { FileStore } from './file-store-types.ts';

export type * from './file-store-types.ts';

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

/** One TCP connection, plain or inside TLS: the code above reads the same bytes either way. */
export interface TcpConnection {
  readonly remote: SocketAddress;
  /** Bytes accepted by `write` and not yet handed to the kernel. */
  readonly pendingWriteBytes: number;
  readonly closed: boolean;
  /** Whether the bytes travel inside TLS. */
  readonly encrypted: boolean;
  /**
   * Lowercase hex SHA-256 of the peer's DER certificate (64 characters, no colons), or undefined
   * on plain TCP and when the peer sent no certificate. Compare this, never verification error
   * codes: those differ between runtimes for the same certificate.
   */
  readonly peerCertificateFingerprint256: string | undefined;
  /**
   * The peer's certificate chains to a trusted authority (the system's or `tls.ca`) and names
   * the host connected to. False on plain TCP, on the server side, and when a client connected
   * with `rejectUnauthorized: false` to a certificate that does not verify (trust on first use).
   */
  readonly peerCertificateVerified: boolean;
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
  /**
   * From now on, read into one buffer of `bytes`, used again for every read, instead of fresh
   * memory per read (see `TcpConnectOptions.readBufferBytes`): each later 'data' chunk is valid
   * only until its listeners return, so copy what you keep. For a connection that turns into a
   * bulk upload. False where it cannot be done — TLS, a runtime other than Node, or reads
   * waiting unconsumed — and chunks stay fresh memory, as before.
   */
  reuseReadBuffer(bytes: number): boolean;
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this;
  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this;
}

/** A certificate and its private key, PEM text or PEM bytes. */
export interface TlsCredentials {
  cert: string | Uint8Array;
  key: string | Uint8Array;
}

export interface TlsServerOptions extends TlsCredentials {
  /**
   * Drop a connection whose handshake has not finished after this long (default 10,000 ms),
   * so a silent or slow peer cannot hold a connection slot open.
   */
  handshakeTimeoutMs?: number;
  /**
   * Sent, in plain text, to a peer whose first byte is not a TLS handshake record (someone
   * talking plain TCP to the TLS port), before it is closed and reported as `TLS_PEER_NOT_TLS`.
   */
  plainReply?: string | Uint8Array;
}

export interface TlsClientOptions {
  /** Host name to ask for (SNI) and to verify; defaults to the host when it is not an IP address. */
  servername?: string;
  /** Authorities to trust instead of the system's (PEM); a self-signed certificate trusts itself. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /**
   * Refuse a certificate that does not verify (default true). With false the connection opens
   * anyway and `peerCertificateVerified` says whether it verified, for trust on first use.
   */
  rejectUnauthorized?: boolean;
}

export interface TcpListenOptions {
  host: string;
  port: number;
  /** Keep our side writable after the peer's FIN (needed to answer a request then close). */
  allowHalfOpen?: boolean;
  /** Speak TLS: connections are handed over only once their handshake has finished. */
  tls?: TlsServerOptions;
  /**
   * An accepted socket that never became a connection: its TLS handshake failed
   * (`TLS_HANDSHAKE_FAILED`, the runtime's error as `cause`) or timed out (`TLS_HANDSHAKE_TIMEOUT`).
   */
  onConnectionFailed?: (remote: SocketAddress, error: Error & { code: string }) => void;
  /**
   * A TLS socket was accepted and its handshake is about to start: false closes it at once
   * (a per-address limit). Every socket admitted here ends in exactly one `onConnection` or
   * `onConnectionFailed`, so a handshake in progress can be counted like a connection.
   */
  onHandshakeStart?: (remote: SocketAddress) => boolean;
  /**
   * Out of file descriptors (`EMFILE`, or `ENFILE` for the whole system): the server stops
   * accepting, so new connection attempts are refused, and tries again with a growing delay
   * (0.1 s to 2 s). Called once per spell, before the next accept could fail.
   */
  onAcceptPaused?: (error: Error & { code: string }) => void;
  /** Descriptors are free again and the server accepts again, on the same port. */
  onAcceptResumed?: () => void;
}

export interface TcpServer {
  readonly address: SocketAddress;
  readonly encrypted: boolean;
  /**
   * Stop accepting at once and abandon handshakes in progress. The promise resolves only when
   * every connection already handed out has closed too: end them first, or alongside.
   */
  close(): Promise<void>;
  /** New certificate and key for connections accepted from now on (a reload); throws on a plain server. */
  setTlsCredentials(credentials: TlsCredentials): void;
}

export interface TcpConnectOptions {
  host: string;
  port: number;
  allowHalfOpen?: boolean;
  /** Give up connecting (TLS handshake included) after this long (0 = the OS default). */
  timeoutMs?: number;
  /** Speak TLS: the promise resolves once the handshake has finished and the certificate is checked. */
  tls?: TlsClientOptions;
  /**
   * Plain TCP: read into one buffer of this many bytes, used again for every read, instead of
   * fresh memory per read (which costs page faults: three times the CPU for a bulk download).
   * A 'data' chunk is then valid only until its listener returns: copy what you keep. Ignored
   * under TLS, and where the runtime has no such reads (then chunks are fresh, as usual).
   */
  readBufferBytes?: number;
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
  /**
   * Ask the kernel for a larger queue (Linux grants twice the request, within
   * 2 × net.core.rmem_max). Deno cannot ask itself: there it goes through libc over FFI on
   * Linux with the FFI permission, and otherwise has no effect (deno-socket-buffers.ts).
   */
  setReceiveBufferSize(bytes: number): void;
  /**
   * The receive queue the kernel actually gave the socket, in bytes (on Linux twice what was
   * asked, within the cap), for a window the receiver can really hold; undefined where unknown.
   */
  receiveBufferBytes?(): number | undefined;
  setSendBufferSize(bytes: number): void;
  close(): Promise<void>;
  on<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this;
  /** Remove a listener given to `on`; the same function, not a copy. */
  off<E extends keyof UdpSocketEvents>(event: E, listener: UdpSocketEvents[E]): this;
}

export interface UdpBindOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
}

export interface NetworkInterfaceAddress {
  interfaceName: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** Incremental SHA-256: feed it bytes in pieces, read the digest once. */
export interface Sha256 {
  update(data: Uint8Array | string): this;
  /** Lowercase hex; the hash cannot be updated afterwards. */
  digestHex(): string;
}

/** Authenticated encryption with one key (AES-256-GCM): the tag follows the ciphertext. */
export interface Aead {
  readonly tagBytes: number;
  /** Ciphertext then tag, in a new array. The nonce (12 bytes) must never repeat under one key. */
  seal(nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or undefined when the tag does not prove the message (forged, altered, other key). */
  open(nonce: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

export interface CertificateOptions {
  /** Subject common name (default "netchat"). */
  commonName?: string;
  /** Host names and IP addresses the certificate is for (default localhost, 127.0.0.1, ::1). */
  altNames?: string[];
  /** Default 365. */
  validDays?: number;
  /** A certificate authority (cA true, no server use), for signing others. */
  isAuthority?: boolean;
  /** Sign with this authority instead of the new key itself. */
  issuer?: { commonName: string; privateKeyPem: string };
  /** Validity starts an hour before this (default now). */
  now?: Date;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** PKCS #8 PEM: keep it private (mode 0600). */
  privateKeyPem: string;
  commonName: string;
  /** Lowercase hex SHA-256 of the certificate's DER bytes, as connections report it. */
  fingerprint256: string;
}

export interface Runtime {
  readonly name: RuntimeName;
  listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer>;
  connectTcp(options: TcpConnectOptions): Promise<TcpConnection>;
  bindUdp(options: UdpBindOptions): Promise<UdpSocket>;
  /**
   * How many file descriptors this process may hold open (the soft `ulimit -n`), read at each
   * call; undefined where it cannot be read (outside Linux) or is unlimited.
   */
  descriptorLimit(): number | undefined;
  /** Addresses of this machine's interfaces, for telling users where a server can be reached. */
  networkAddresses(): NetworkInterfaceAddress[];
  readonly files: FileStore;
  sha256(): Sha256;
  /**
   * Uninitialised memory that the transport writes without copying (a Buffer on Node, Bun and
   * Deno: `node:net` copies any other Uint8Array into a new Buffer per write). Every byte of it
   * must be written before it is sent.
   */
  allocateWriteBuffer(bytes: number): Uint8Array;
  /** A new ECDSA P-256 key and a certificate for it (self-signed unless `issuer` is given). */
  createCertificate(options?: CertificateOptions): IssuedCertificate;
  /** The fingerprint connections report, for a PEM certificate (or its DER bytes). */
  certificateFingerprint256(certificate: string | Uint8Array): string;
  /** AES-256-GCM with this 32-byte key. */
  aes256Gcm(key: Uint8Array): Aead;
  /** Unpredictable bytes (keys). */
  randomBytes(count: number): Uint8Array;
}
