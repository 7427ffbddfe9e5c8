// TCP listen and connect over node:net, with TLS as an option of the same calls (node:tls, which
// behaves alike on Node, Bun and Deno). A TLS server accepts plain TCP and upgrades each socket
// itself, so it can time the handshake, drop handshakes in progress on close and swap
// certificates for later connections, the same way on every runtime. Out of file descriptors,
// the listener pauses (closes its socket, gives back a reserve) and listens again on the same
// port once descriptors are free, reporting each spell once.
import net from 'node:net';
import tls from 'node:tls';
import { NodeTcpConnection, type UnheardReads, familyOf, remoteOf } from './node-tcp-connection.ts';
import { DescriptorReserve, isDescriptorExhaustion, probeFreeDescriptors } from './descriptors.ts';
import { runtimeError, type RuntimeError } from './runtime-errors.ts';
import type { TcpConnectOptions, TcpConnection, TcpListenOptions, TcpServer, TlsCredentials } from './types.ts';

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** The first byte of every TLS handshake record (a ClientHello begins with one). */
const TLS_HANDSHAKE_RECORD = 0x16;
/**
 * What OpenSSL (Node), BoringSSL (Bun) and rustls (Deno's node:tls) all report, under this one
 * code, when the reply to a ClientHello is not a TLS record: the server does not speak TLS.
 */
const NOT_TLS_REPLY = 'ERR_SSL_WRONG_VERSION_NUMBER';

/** node:tls takes PEM as text or as a Buffer, not as any Uint8Array. */
const pem = (value: string | Uint8Array) => (typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

const secureContextOf = (credentials: TlsCredentials) => tls.createSecureContext({ cert: pem(credentials.cert), key: pem(credentials.key) });

/** Descriptors kept back while accepting, given up while paused (see DescriptorReserve). */
const RESERVED_DESCRIPTORS = 8;
/**
 * Free descriptors (besides the reserve) below which the listener pauses: it stops while one is
 * still free, so the process never sits at none (Deno 2.9 panics if it then needs one).
 */
const PAUSE_BELOW_FREE_DESCRIPTORS = 2;
/** Free descriptors needed to accept again: the reserve, the listening socket, and some to use. */
const RESUME_FREE_DESCRIPTORS = RESERVED_DESCRIPTORS + 8;
const RESUME_FIRST_DELAY_MS = 100;
const RESUME_MAX_DELAY_MS = 2_000;
/** How often an idle listener checks that descriptors have not run out under it (files, other sockets). */
const DESCRIPTOR_WATCH_INTERVAL_MS = 1_000;

export function listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
  const allowHalfOpen = options.allowHalfOpen ?? false;
  // Built before listening, so a bad certificate fails the listen instead of every handshake.
  let secureContext = options.tls ? secureContextOf(options.tls) : undefined;
  const handshakeTimeoutMs = options.tls?.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const handshakes = new Set<net.Socket>();

  const plainReply = options.tls?.plainReply;

  /**
   * Wait for the first bytes before upgrading: a TLS client begins with a handshake record
   * (0x16); anything else is someone talking plain TCP to the TLS port, who gets `plainReply`
   * in words instead of a handshake failure in bytes. The bytes read are put back for TLS.
   */
  const handshake = (raw: net.Socket) => {
    const remote = remoteOf(raw);
    if (options.onHandshakeStart && !options.onHandshakeStart(remote)) {
      raw.destroy();
      return;
    }
    handshakes.add(raw);
    let secure: tls.TLSSocket | undefined;
    const finish = () => {
      clearTimeout(timer);
      handshakes.delete(raw);
      raw.off('data', onFirstBytes);
      raw.off('close', onClose);
      secure?.off('error', onError);
      secure?.off('close', onClose);
    };
    const fail = (error: RuntimeError) => {
      finish();
      secure?.destroy();
      raw.destroy();
      options.onConnectionFailed?.(remote, error);
    };
    const onError = (error: Error) => fail(runtimeError('TLS_HANDSHAKE_FAILED', `TLS handshake with ${remote.address} failed: ${error.message}`, error));
    const onClose = () => fail(runtimeError('TLS_HANDSHAKE_FAILED', `${remote.address} closed during the TLS handshake`));
    const timer = setTimeout(
      () => fail(runtimeError('TLS_HANDSHAKE_TIMEOUT', `TLS handshake with ${remote.address} took over ${handshakeTimeoutMs} ms`)),
      handshakeTimeoutMs,
    );
    const onFirstBytes = (chunk: Buffer) => {
      raw.off('data', onFirstBytes);
      raw.pause();
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        finish();
        // Flushed, then closed; destroyed by close(), or after the handshake timeout if the peer never reads it.
        handshakes.add(raw);
        const linger = setTimeout(() => raw.destroy(), handshakeTimeoutMs);
        raw.once('close', () => {
          clearTimeout(linger);
          handshakes.delete(raw);
        });
        if (plainReply === undefined) raw.end();
        else raw.end(typeof plainReply === 'string' ? plainReply : pem(plainReply));
        options.onConnectionFailed?.(remote, runtimeError('TLS_PEER_NOT_TLS', `${remote.address} spoke plain TCP to the TLS port`));
        return;
      }
      raw.off('close', onClose);
      raw.unshift(chunk);
      secure = new tls.TLSSocket(raw, { isServer: true, secureContext: secureContext! });
      secure.on('error', onError);
      secure.on('close', onClose);
      secure.once('secure', () => {
        finish();
        onConnection(new NodeTcpConnection(secure!, { transport: raw }));
      });
    };
    raw.on('data', onFirstBytes);
    raw.on('close', onClose);
  };

  const onSocket = (socket: net.Socket) => {
    // A socket can be reset between accept and here; it then has no remote address.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
    } else if (secureContext) {
      socket.on('error', () => {});
      handshake(socket);
    } else {
      onConnection(new NodeTcpConnection(socket));
    }
    // Checked after every accept: the next accept must not be the one that fails.
    watchDescriptors();
  };

  // Out of descriptors, the only way to stop node:net accepting on every runtime is to close
  // the listening socket; it is opened again on the same port once descriptors are free. While
  // paused, connection attempts are refused by the kernel at once instead of hanging.
  let listening: net.Server | undefined;
  /** Every server we closed, settled once its accepted connections have closed too. */
  const drained: Promise<void>[] = [];
  const reserve = new DescriptorReserve(RESERVED_DESCRIPTORS);
  let paused = false;
  let stopped = false;
  let resumeDelayMs = RESUME_FIRST_DELAY_MS;
  let resumeTimer: ReturnType<typeof setTimeout> | undefined;
  let port = options.port;

  const open = () =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen, noDelay: true }, onSocket);
      server.once('error', reject);
      server.listen({ host: options.host, port }, () => {
        server.off('error', reject);
        server.on('error', (error) => {
          // Accept errors must not take the server down; running out of descriptors pauses it.
          if (isDescriptorExhaustion(error)) pause(error as Error & { code: string });
        });
        resolve(server);
      });
    });
  const closeServer = (server: net.Server) => {
    // node:net calls back only once every accepted socket has closed.
    drained.push(new Promise<void>((done) => server.close(() => done())));
  };
  const pause = (error: Error & { code: string }) => {
    if (paused || stopped || !listening) return;
    paused = true;
    closeServer(listening);
    listening = undefined;
    reserve.release();
    resumeDelayMs = RESUME_FIRST_DELAY_MS;
    options.onAcceptPaused?.(error);
    scheduleResume();
  };
  const scheduleResume = () => {
    resumeTimer = setTimeout(() => void tryResume(), resumeDelayMs);
    resumeDelayMs = Math.min(RESUME_MAX_DELAY_MS, resumeDelayMs * 2);
  };
  const tryResume = async () => {
    resumeTimer = undefined;
    if (stopped) return;
    if (!probeFreeDescriptors(RESUME_FREE_DESCRIPTORS).free) return scheduleResume();
    let server: net.Server;
    try {
      server = await open();
    } catch {
      // Descriptors ran out again, or the port was taken meanwhile: try later.
      return scheduleResume();
    }
    if (stopped) return closeServer(server);
    listening = server;
    paused = false;
    reserve.take();
    options.onAcceptResumed?.();
  };
  const watchDescriptors = () => {
    if (paused || stopped) return;
    const probe = probeFreeDescriptors(PAUSE_BELOW_FREE_DESCRIPTORS);
    if (!probe.free) pause(probe.error);
  };

  return open().then((server) => {
    listening = server;
    reserve.take();
    const watch = setInterval(watchDescriptors, DESCRIPTOR_WATCH_INTERVAL_MS);
    watch.unref?.();
    const bound = server.address() as net.AddressInfo;
    port = bound.port;
    return {
      address: { address: bound.address, port: bound.port, family: familyOf(bound.family) },
      encrypted: secureContext !== undefined,
      close: () => {
        if (!stopped) {
          stopped = true;
          clearInterval(watch);
          if (resumeTimer) clearTimeout(resumeTimer);
          if (listening) closeServer(listening);
          listening = undefined;
          reserve.release();
          for (const raw of handshakes) raw.destroy();
        }
        return Promise.all(drained).then(() => {});
      },
      setTlsCredentials: (credentials) => {
        if (!secureContext) throw runtimeError('TLS_NOT_ENABLED', 'this server listens without TLS');
        secureContext = secureContextOf(credentials);
      },
    };
  });
}

function tlsConnectOptions(options: TcpConnectOptions, allowHalfOpen: boolean): tls.ConnectionOptions {
  const { servername, ca, rejectUnauthorized = true } = options.tls ?? {};
  return {
    host: options.host,
    port: options.port,
    // SNI carries host names only; Node warns about an IP address there.
    servername: servername ?? (net.isIP(options.host) ? undefined : options.host),
    ca: ca === undefined ? undefined : Array.isArray(ca) ? ca.map(pem) : pem(ca),
    rejectUnauthorized,
    // Passed on to the socket by every runtime, though @types/node does not list it.
    ...{ allowHalfOpen },
  };
}

export function connectTcp(options: TcpConnectOptions): Promise<TcpConnection> {
  // IPv6 in brackets, as everywhere netchat prints an address.
  const where = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const allowHalfOpen = options.allowHalfOpen ?? false;
    const unheard: UnheardReads = { chunks: [], paused: false };
    const socket = options.tls
      ? tls.connect(tlsConnectOptions(options, allowHalfOpen))
      : net.connect({
          host: options.host,
          port: options.port,
          allowHalfOpen,
          noDelay: true,
          // node:net then emits no 'data' of its own: hand each read on as one, a view of the buffer.
          // A read before anyone listens (the server's greeting, read while the caller's await is
          // still resuming) would be emitted to nobody: it is copied and kept for the first listener.
          ...(options.readBufferBytes && {
            onread: {
              buffer: Buffer.allocUnsafe(options.readBufferBytes),
              callback: (bytes: number, buffer: Uint8Array) => {
                const view = buffer.subarray(0, bytes);
                if (socket.listenerCount('data') > 0) {
                  socket.emit('data', view);
                  return true;
                }
                unheard.chunks.push(new Uint8Array(view));
                // No more reads until someone listens (false pauses the socket).
                unheard.paused = true;
                return false;
              },
            },
          }),
        });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      if (options.tls && (error as { code?: string }).code === NOT_TLS_REPLY) {
        reject(runtimeError('TLS_NOT_SPOKEN', `the server at ${where} does not speak TLS (it answered the handshake in plain text)`, error));
      } else {
        reject(error);
      }
    };
    if (options.timeoutMs && options.timeoutMs > 0) {
      timer = setTimeout(() => fail(runtimeError('ETIMEDOUT', `connect to ${where} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    }
    socket.once('error', fail);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      if (timer) clearTimeout(timer);
      socket.off('error', fail);
      if (options.tls) socket.setNoDelay(true);
      resolve(new NodeTcpConnection(socket, options.tls ? {} : undefined, options.readBufferBytes && !options.tls ? unheard : undefined));
    });
  });
}
