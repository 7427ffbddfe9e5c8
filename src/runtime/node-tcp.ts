// TCP listen and connect over node:net, with TLS as an option of the same calls (node:tls, which
// behaves alike on Node, Bun and Deno). A TLS server accepts plain TCP and upgrades each socket
// itself, so it can time the handshake, drop handshakes in progress on close and swap
// certificates for later connections, the same way on every runtime.
import net from 'node:net';
import tls from 'node:tls';
import { NodeTcpConnection, familyOf, remoteOf } from './node-tcp-connection.ts';
import { runtimeError, type RuntimeError } from './runtime-errors.ts';
import type { TcpConnectOptions, TcpConnection, TcpListenOptions, TcpServer, TlsCredentials } from './types.ts';

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** node:tls takes PEM as text or as a Buffer, not as any Uint8Array. */
const pem = (value: string | Uint8Array) => (typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

const secureContextOf = (credentials: TlsCredentials) => tls.createSecureContext({ cert: pem(credentials.cert), key: pem(credentials.key) });

export function listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false, noDelay: true });
  // Built before listening, so a bad certificate fails the listen instead of every handshake.
  let secureContext = options.tls ? secureContextOf(options.tls) : undefined;
  const handshakeTimeoutMs = options.tls?.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const handshakes = new Set<net.Socket>();

  const upgrade = (raw: net.Socket, context: tls.SecureContext) => {
    const remote = remoteOf(raw);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    handshakes.add(raw);
    const finish = () => {
      clearTimeout(timer);
      handshakes.delete(raw);
      secure.off('error', onError);
      secure.off('close', onClose);
    };
    const fail = (error: RuntimeError) => {
      finish();
      secure.destroy();
      raw.destroy();
      options.onConnectionFailed?.(remote, error);
    };
    const onError = (error: Error) => fail(runtimeError('TLS_HANDSHAKE_FAILED', `TLS handshake with ${remote.address} failed: ${error.message}`, error));
    const onClose = () => fail(runtimeError('TLS_HANDSHAKE_FAILED', `${remote.address} closed during the TLS handshake`));
    const timer = setTimeout(
      () => fail(runtimeError('TLS_HANDSHAKE_TIMEOUT', `TLS handshake with ${remote.address} took over ${handshakeTimeoutMs} ms`)),
      handshakeTimeoutMs,
    );
    secure.on('error', onError);
    secure.on('close', onClose);
    secure.once('secure', () => {
      finish();
      onConnection(new NodeTcpConnection(secure, { transport: raw }));
    });
  };

  server.on('connection', (socket) => {
    // A socket can be reset between accept and here; it then has no remote address.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    if (secureContext) {
      socket.on('error', () => {});
      upgrade(socket, secureContext);
    } else {
      onConnection(new NodeTcpConnection(socket));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      // Accept errors (EMFILE and the like) must not take the server down.
      server.on('error', () => {});
      const bound = server.address() as net.AddressInfo;
      resolve({
        address: { address: bound.address, port: bound.port, family: familyOf(bound.family) },
        encrypted: secureContext !== undefined,
        close: () =>
          new Promise<void>((done) => {
            // node:net calls back only once every accepted socket has closed.
            server.close(() => done());
            for (const raw of handshakes) raw.destroy();
          }),
        setTlsCredentials: (credentials) => {
          if (!secureContext) throw runtimeError('TLS_NOT_ENABLED', 'this server listens without TLS');
          secureContext = secureContextOf(credentials);
        },
      });
    });
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
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const allowHalfOpen = options.allowHalfOpen ?? false;
    const socket = options.tls
      ? tls.connect(tlsConnectOptions(options, allowHalfOpen))
      : net.connect({ host: options.host, port: options.port, allowHalfOpen, noDelay: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    if (options.timeoutMs && options.timeoutMs > 0) {
      timer = setTimeout(() => fail(runtimeError('ETIMEDOUT', `connect to ${where} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    }
    socket.once('error', fail);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      if (timer) clearTimeout(timer);
      socket.off('error', fail);
      if (options.tls) socket.setNoDelay(true);
      resolve(new NodeTcpConnection(socket, options.tls ? {} : undefined));
    });
  });
}
