import { createHash } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { COUNTS_FRESH_READS, countFreshChunk } from './fresh-read-collector.ts';
import { readIntoOwnBuffer } from './node-socket-read-buffer.ts';
import type { SocketAddress, TcpConnection, TcpConnectionEvents } from './types.ts';

export function familyOf(family: string | number | undefined): 'IPv4' | 'IPv6' {
  return family === 'IPv6' || family === 6 ? 'IPv6' : 'IPv4';
}

export function remoteOf(socket: net.Socket): SocketAddress {
  return { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, family: familyOf(socket.remoteFamily) };
}

/** Hex SHA-256 of the peer's DER certificate; `raw` is there on Node, Bun and Deno alike. */
function peerFingerprint(socket: tls.TLSSocket): string | undefined {
  const raw = (socket.getPeerCertificate() as { raw?: Uint8Array } | null)?.raw;
  return raw && raw.length > 0 ? createHash('sha256').update(raw).digest('hex') : undefined;
}

/**
 * Reads a connection with its own read buffer made before its first 'data' listener (the
 * server's greeting, read while the caller's await resumes): node:net would emit them to nobody.
 * They are kept, copied, for that listener, and reading pauses until it comes.
 */
export interface UnheardReads {
  chunks: Uint8Array[];
  paused: boolean;
}

/**
 * A `node:net` socket, or a `node:tls` socket whose handshake has finished, behind the
 * runtime-neutral TcpConnection interface. Under TLS, `transport` is the TCP socket beneath
 * (when there is a separate one): socket options go to it.
 */
export class NodeTcpConnection implements TcpConnection {
  readonly remote: SocketAddress;
  readonly encrypted: boolean;
  readonly peerCertificateFingerprint256: string | undefined;
  readonly peerCertificateVerified: boolean;
  private readonly transport: net.Socket;
  /** Its reads are counted towards collecting their memory (fresh-read-collector.ts). */
  private countingReads = false;
  /** It reads into its own buffer since `reuseReadBuffer`: nothing to count. */
  private ownReadBuffer = false;

  /**
   * `unheard` is given for a socket reading into its own buffer; any other socket reads into
   * fresh memory, which is counted under Node.
   */
  constructor(
    private readonly socket: net.Socket,
    secure?: { transport?: net.Socket },
    private readonly unheard?: UnheardReads,
  ) {
    this.transport = secure?.transport ?? socket;
    this.remote = remoteOf(this.transport);
    this.encrypted = secure !== undefined;
    this.peerCertificateFingerprint256 = secure ? peerFingerprint(socket as tls.TLSSocket) : undefined;
    this.peerCertificateVerified = secure ? (socket as tls.TLSSocket).authorized === true : false;
    // Errors surface through 'error'/'close'; an unhandled 'error' must never crash a server.
    socket.on('error', () => {});
  }

  get pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  write(data: Uint8Array | string): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(data);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  end(data?: Uint8Array | string): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  destroy(): void {
    this.socket.destroy();
    // Under TLS the wrapper may outlive a destroyed transport for a tick; close both at once.
    if (this.transport !== this.socket) this.transport.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  reuseReadBuffer(bytes: number): boolean {
    if (this.ownReadBuffer) return true;
    if (this.encrypted || this.unheard || !readIntoOwnBuffer(this.socket, bytes)) return false;
    this.ownReadBuffer = true;
    if (this.countingReads) this.socket.off('data', countFreshChunk);
    this.countingReads = false;
    return true;
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.transport.setKeepAlive(enable, initialDelayMs);
  }

  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    this.socket.on(event, listener as (...args: unknown[]) => void);
    if (event !== 'data') return this;
    const unheard = this.unheard;
    if (!unheard) {
      if (COUNTS_FRESH_READS && !this.countingReads && !this.ownReadBuffer) this.socket.on('data', countFreshChunk);
      this.countingReads = COUNTS_FRESH_READS && !this.ownReadBuffer;
    } else if (unheard.chunks.length > 0) {
      for (const chunk of unheard.chunks.splice(0)) (listener as TcpConnectionEvents['data'])(chunk);
      if (unheard.paused) this.socket.resume();
      unheard.paused = false;
    }
    return this;
  }

  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    this.socket.off(event, listener as (...args: unknown[]) => void);
    // The counter alone left: nobody reads any more.
    if (event === 'data' && this.countingReads && this.socket.listenerCount('data') === 1) {
      this.socket.off('data', countFreshChunk);
      this.countingReads = false;
    }
    return this;
  }
}
