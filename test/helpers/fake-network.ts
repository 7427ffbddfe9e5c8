// TCP listen and connect in memory. `connect()` hands the listener a lone FakeConnection that the
// test drives (the chat server tests); `connectTcp()` makes a linked pair, like a loopback
// socket, for code that connects as a client. TLS is imitated: both ends report `encrypted`,
// the client sees the fingerprint of the server's certificate, and a certificate counts as
// verified when the client lists that same PEM text in `tls.ca` (no chains) and the certificate
// names the host asked for. A plain client on a TLS listener, and a TLS client on a plain one,
// fail as they do on real sockets.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { certificateFingerprint256 } from '../../src/runtime/self-signed-certificate.ts';
import type {
  Runtime,
  SocketAddress,
  TcpConnectOptions,
  TcpConnection,
  TcpListenOptions,
  TcpServer,
} from '../../src/runtime/types.ts';
import { FakeConnection } from './fake-tcp-connection.ts';

interface Listener {
  options: TcpListenOptions;
  onConnection: (connection: TcpConnection) => void;
  cert: string | undefined;
  open: Set<FakeConnection>;
  closed: boolean;
}

type TlsView = { peerCertificateFingerprint256: string | undefined; peerCertificateVerified: boolean };

const text = (pem: string | Uint8Array) => (typeof pem === 'string' ? pem : new TextDecoder().decode(pem)).trim();
function namesHost(pem: string, host: string): boolean {
  const certificate = new X509Certificate(pem);
  return (isIP(host) ? certificate.checkIP(host) : certificate.checkHost(host)) !== undefined;
}

const codedError = (code: string, message: string) => Object.assign(new Error(message), { code });

export class FakeNetwork implements Pick<Runtime, 'listenTcp' | 'connectTcp'> {
  /** The latest listener's callback (what `connect()` hands connections to). */
  onConnection: ((connection: TcpConnection) => void) | undefined;
  /** Runs after every accept and every peer event (the server tests flush the send queue here). */
  afterInput: () => void = () => {};
  listenOptions: TcpListenOptions | undefined;
  listenerClosed = false;
  /** Ports of connecting ends, and of listeners asked for port 0. */
  private nextPort = 40000;
  private nextListenPort = 12000;
  private readonly listeners = new Map<number, Listener>();

  listenTcp(options: TcpListenOptions, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
    const port = options.port || this.nextListenPort++;
    if (this.listeners.has(port)) return Promise.reject(codedError('EADDRINUSE', `listen EADDRINUSE ${options.host}:${port}`));
    const listener: Listener = { options, onConnection, cert: options.tls && text(options.tls.cert), open: new Set(), closed: false };
    this.listeners.set(port, listener);
    this.listenOptions = options;
    this.onConnection = onConnection;
    return Promise.resolve({
      address: { address: options.host, port, family: 'IPv4' },
      encrypted: options.tls !== undefined,
      close: () => {
        this.listenerClosed = true;
        listener.closed = true;
        this.listeners.delete(port);
        return allClosed(listener.open);
      },
      setTlsCredentials: (credentials) => {
        if (!listener.cert) throw codedError('TLS_NOT_ENABLED', 'this server listens without TLS');
        listener.cert = text(credentials.cert);
      },
    });
  }

  /** A lone connection from `address`, handed to the latest listener; the test plays the client. */
  connect(address = '127.0.0.1'): FakeConnection {
    const connection = new FakeConnection({ address, port: this.nextPort++, family: 'IPv4' }, () => this.afterInput());
    this.onConnection!(connection);
    this.afterInput();
    return connection;
  }

  /** A linked pair: the listener gets one end, the caller the other. */
  async connectTcp(options: TcpConnectOptions): Promise<TcpConnection> {
    await Promise.resolve();
    const listener = this.listeners.get(options.port);
    const where = `${options.host}:${options.port}`;
    if (!listener) throw codedError('ECONNREFUSED', `connect ECONNREFUSED ${where}`);
    const clientAddress: SocketAddress = { address: '127.0.0.1', port: this.nextPort++, family: 'IPv4' };
    const serverAddress: SocketAddress = { address: options.host, port: options.port, family: 'IPv4' };
    const fail = (code: string, message: string) =>
      listener.options.onConnectionFailed?.(clientAddress, codedError(code, message) as Error & { code: string });
    if (listener.cert && listener.options.onHandshakeStart?.(clientAddress) === false) {
      const [serverEnd, clientEnd] = this.pair(listener, clientAddress, serverAddress, options.allowHalfOpen);
      serverEnd.destroy();
      if (options.tls) throw codedError('ECONNRESET', `${where} closed the connection during the TLS handshake`);
      return clientEnd;
    }
    if (listener.cert && !options.tls) return this.plainToTls(listener, clientAddress, serverAddress, options);
    if (!listener.cert && options.tls) return this.tlsToPlain(listener, clientAddress, serverAddress, options);
    let tls: TlsView | undefined;
    if (listener.cert && options.tls) {
      const trusted = [options.tls.ca ?? []].flat().map(text).includes(listener.cert);
      const verified = trusted && namesHost(listener.cert, options.tls.servername ?? options.host);
      if (!verified && options.tls.rejectUnauthorized !== false) {
        fail('TLS_HANDSHAKE_FAILED', `${clientAddress.address} refused the certificate`);
        throw codedError('CERT_UNTRUSTED', `the certificate of ${where} is not trusted`);
      }
      tls = { peerCertificateFingerprint256: certificateFingerprint256(listener.cert), peerCertificateVerified: verified };
    }
    const [serverEnd, clientEnd] = this.pair(listener, clientAddress, serverAddress, options.allowHalfOpen, tls);
    listener.onConnection(serverEnd);
    this.afterInput();
    return clientEnd;
  }

  private pair(listener: Listener, clientAddress: SocketAddress, serverAddress: SocketAddress, allowHalfOpen?: boolean, tls?: TlsView): [FakeConnection, FakeConnection] {
    const serverEnd = new FakeConnection(clientAddress, {
      afterInput: () => this.afterInput(),
      allowHalfOpen: listener.options.allowHalfOpen,
      tls: tls && { peerCertificateFingerprint256: undefined, peerCertificateVerified: false },
    });
    const clientEnd = new FakeConnection(serverAddress, { allowHalfOpen, tls });
    FakeConnection.link(serverEnd, clientEnd);
    listener.open.add(serverEnd);
    serverEnd.on('close', () => listener.open.delete(serverEnd));
    return [serverEnd, clientEnd];
  }

  /** The server waits for a ClientHello: any byte fails the handshake, silence times it out. */
  private plainToTls(listener: Listener, clientAddress: SocketAddress, serverAddress: SocketAddress, options: TcpConnectOptions): TcpConnection {
    const [serverEnd, clientEnd] = this.pair(listener, clientAddress, serverAddress, options.allowHalfOpen);
    const fail = (code: string, message: string) => {
      clearTimeout(timer);
      if (serverEnd.closed) return;
      serverEnd.destroy();
      listener.options.onConnectionFailed?.(clientAddress, codedError(code, message) as Error & { code: string });
    };
    const timeoutMs = listener.options.tls?.handshakeTimeoutMs ?? 10_000;
    const timer = setTimeout(() => fail('TLS_HANDSHAKE_TIMEOUT', `TLS handshake took over ${timeoutMs} ms`), timeoutMs);
    serverEnd.on('data', (chunk: Uint8Array) => {
      if (chunk[0] === CLIENT_HELLO[0]) return fail('TLS_HANDSHAKE_FAILED', `TLS handshake with ${clientAddress.address} failed`);
      clearTimeout(timer);
      const reply = listener.options.tls?.plainReply;
      if (reply !== undefined) serverEnd.write(reply);
      serverEnd.end();
      listener.options.onConnectionFailed?.(clientAddress, codedError('TLS_PEER_NOT_TLS', `${clientAddress.address} spoke plain TCP to the TLS port`) as Error & { code: string });
    });
    serverEnd.on('close', () => clearTimeout(timer));
    return clientEnd;
  }

  /** The server gets a ClientHello; the client fails when the server answers, closes, or is too slow. */
  private tlsToPlain(listener: Listener, clientAddress: SocketAddress, serverAddress: SocketAddress, options: TcpConnectOptions): Promise<TcpConnection> {
    const [serverEnd, clientEnd] = this.pair(listener, clientAddress, serverAddress, options.allowHalfOpen);
    listener.onConnection(serverEnd);
    clientEnd.write(CLIENT_HELLO);
    return new Promise((_, reject) => {
      const fail = (code: string, message: string) => {
        clearTimeout(timer);
        clientEnd.destroy();
        reject(codedError(code, message));
      };
      const where = `${options.host}:${options.port}`;
      const timer = options.timeoutMs ? setTimeout(() => fail('ETIMEDOUT', `connect to ${where} timed out after ${options.timeoutMs} ms`), options.timeoutMs) : undefined;
      clientEnd.on('data', () => fail('TLS_NOT_SPOKEN', `the server at ${where} does not speak TLS (it answered the handshake in plain text)`));
      clientEnd.on('end', () => fail('ECONNRESET', `${where} closed the connection during the TLS handshake`));
    });
  }
}

/** The first bytes of a TLS record carrying a handshake message. */
const CLIENT_HELLO = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x00);

function allClosed(open: Set<FakeConnection>): Promise<void> {
  return Promise.all([...open].map((connection) => new Promise<void>((resolve) => (connection.closed ? resolve() : connection.on('close', () => resolve()))))).then(
    () => {},
  );
}
