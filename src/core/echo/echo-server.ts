// The timestamped echo server, over TCP (many clients on one event loop, see echo-session.ts)
// or UDP (one reply datagram per datagram). Sockets come from the injected runtime and time
// from the injected clock; the caller learns what happens through `onEvent`.
import { echoErrorLine } from '../../protocol/echo/echo-errors.ts';
import { TLS_REQUIRED_TEXT } from '../tls/tls-ports.ts';
import { GOODBYE_BYTE, MAX_UDP_PAYLOAD, ReplyEncoder } from '../../protocol/echo/echo-format.ts';
import type { Runtime, SocketAddress, TlsCredentials, TlsServerOptions, UdpRemote } from '../../runtime/types.ts';
import { resolveEchoLimits, type EchoLimits } from './echo-limits.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { EchoSession, type EchoCloseReason, type EchoFraming } from './echo-session.ts';
import { UdpReplyGuard, type GuardRefusal } from './udp-reply-guard.ts';

export type { EchoFraming } from './echo-session.ts';
export type EchoTransport = 'tcp' | 'udp';

/** Why a datagram got no reply: its own kind, a reflection rule (udp-reply-guard.ts), or the server's state. */
export type UnansweredReason = 'empty' | 'goodbye' | GuardRefusal | 'too-large' | 'queue-full' | 'send-failed';

/** What the echo server needs of the runtime; `networkAddresses` tells a UDP server its own addresses. */
export type EchoServerRuntime = Pick<Runtime, 'listenTcp' | 'bindUdp'> & Partial<Pick<Runtime, 'networkAddresses' | 'allocateWriteBuffer'>>;

export type EchoServerEvent =
  | { type: 'connect'; peer: SocketAddress; clients: number }
  | { type: 'disconnect'; peer: SocketAddress; reason: EchoCloseReason; bytesIn: number; bytesOut: number; clients: number }
  | { type: 'reject'; peer: SocketAddress; reason: 'server-full' }
  /** A TLS connection that never became one: `TLS_HANDSHAKE_FAILED`, `TLS_HANDSHAKE_TIMEOUT` or `TLS_PEER_NOT_TLS` (plain TCP to the TLS port). */
  | { type: 'tls-failed'; peer: SocketAddress; code: string }
  /** Backpressure: the client is not reading its replies fast enough, so reading from it stopped (or restarted). */
  | { type: 'pause'; peer: SocketAddress; paused: boolean }
  | { type: 'unanswered'; peer: UdpRemote; bytes: number; reason: UnansweredReason };

export interface EchoServerOptions {
  host: string;
  /** 0 asks the OS for a free port; `address` tells which. */
  port: number;
  transport?: EchoTransport;
  /** TCP only: answer each read ('read', the default) or each line ('lines'). */
  framing?: EchoFraming;
  /** TCP only: speak TLS. A handshake in progress counts against `maxClients`. */
  tls?: TlsServerOptions;
  limits?: Partial<EchoLimits>;
  /** Replies carry its `wallNow()`. */
  clock?: Clock;
  onEvent?: (event: EchoServerEvent) => void;
}

export interface EchoServer {
  readonly address: SocketAddress;
  readonly transport: EchoTransport;
  /** Whether the bytes travel inside TLS. */
  readonly encrypted: boolean;
  /** TCP clients connected now. */
  readonly clients: number;
  /** Reply bytes accepted for sending and not yet taken by the kernel, over all clients. */
  readonly queuedBytes: number;
  /** Stop accepting and close every connection at once; resolves when all are closed. */
  close(): Promise<void>;
  /** TLS: a new certificate and key for connections accepted from now on; throws on a plain server. */
  setTlsCredentials(credentials: TlsCredentials): void;
}

// Replies are cut from slabs of the runtime's write memory: node:net would otherwise copy each
// reply into a new Buffer (about 5 % of the server's CPU per round trip). Without it, plain bytes do.
const newReplyEncoder = (runtime: Pick<EchoServerRuntime, 'allocateWriteBuffer'>) =>
  new ReplyEncoder(runtime.allocateWriteBuffer && ((bytes) => runtime.allocateWriteBuffer!(bytes)));

export async function startEchoServer(
  runtime: EchoServerRuntime,
  options: EchoServerOptions,
): Promise<EchoServer> {
  const limits = resolveEchoLimits(options.limits);
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  if (options.transport === 'udp') {
    if (options.tls) throw new TypeError('an echo server speaks TLS over TCP only');
    return startUdp(runtime, options, limits, clock, emit);
  }
  return startTcp(runtime, options, limits, clock, emit);
}

async function startTcp(
  runtime: Pick<EchoServerRuntime, 'listenTcp' | 'allocateWriteBuffer'>,
  options: EchoServerOptions,
  limits: EchoLimits,
  clock: Clock,
  emit: (event: EchoServerEvent) => void,
): Promise<EchoServer> {
  const framing = options.framing ?? 'read';
  const sessions = new Set<EchoSession>();
  const encoder = newReplyEncoder(runtime);
  // TLS handshakes under way: each holds a socket, so each takes a client's place.
  let handshakes = 0;
  const tls = options.tls && {
    // Only --lines has a framing an error line fits in; a plain-TCP client otherwise just sees the close.
    ...(framing === 'lines' && { plainReply: echoErrorLine('TLS_REQUIRED', TLS_REQUIRED_TEXT) }),
    ...options.tls,
  };
  const server = await runtime.listenTcp(
    // Half-open: a client that sends, then shuts its write side still gets its replies.
    {
      host: options.host,
      port: options.port,
      allowHalfOpen: true,
      ...(tls && {
        tls,
        onHandshakeStart: (peer) => {
          if (sessions.size + handshakes >= limits.maxClients) {
            emit({ type: 'reject', peer, reason: 'server-full' });
            return false;
          }
          handshakes++;
          return true;
        },
        onConnectionFailed: (peer, error) => {
          handshakes--;
          emit({ type: 'tls-failed', peer, code: error.code });
        },
      }),
    },
    (connection) => {
      const peer = connection.remote;
      if (tls) handshakes--;
      if (sessions.size >= limits.maxClients) {
        emit({ type: 'reject', peer, reason: 'server-full' });
        if (framing === 'lines') {
          connection.end(echoErrorLine('SERVER_FULL', `the server is at its limit of ${limits.maxClients} clients`));
        }
        // Destroyed at once so clients over the limit cost nothing; a line already handed to
        // the kernel is still delivered.
        if (connection.pendingWriteBytes === 0) connection.destroy();
        return;
      }
      const session = new EchoSession(connection, framing, limits.maxLineBytes, clock, encoder, (paused) =>
        emit({ type: 'pause', peer, paused }),
      );
      sessions.add(session);
      emit({ type: 'connect', peer, clients: sessions.size });
      connection.on('close', () => {
        sessions.delete(session);
        const { reason = 'reset', bytesIn, bytesOut } = session;
        emit({ type: 'disconnect', peer, reason, bytesIn, bytesOut, clients: sessions.size });
      });
    },
  );
  return {
    address: server.address,
    transport: 'tcp',
    encrypted: server.encrypted,
    setTlsCredentials: (credentials) => server.setTlsCredentials(credentials),
    get clients() {
      return sessions.size;
    },
    get queuedBytes() {
      let total = 0;
      for (const session of sessions) total += session.connection.pendingWriteBytes;
      return total;
    },
    async close() {
      // The listener's close resolves only once every connection is gone.
      const closing = server.close();
      for (const session of [...sessions]) session.shutdown();
      await closing;
    },
  };
}

async function startUdp(
  runtime: Pick<EchoServerRuntime, 'bindUdp' | 'networkAddresses' | 'allocateWriteBuffer'>,
  options: EchoServerOptions,
  limits: EchoLimits,
  clock: Clock,
  emit: (event: EchoServerEvent) => void,
): Promise<EchoServer> {
  const socket = await runtime.bindUdp({ host: options.host, port: options.port });
  const ownAddresses = [socket.address.address, ...(runtime.networkAddresses?.() ?? []).map((entry) => entry.address)];
  const guard = new UdpReplyGuard(limits, socket.address.port, ownAddresses, () => clock.now());
  const encoder = newReplyEncoder(runtime);
  let pending = 0;
  let pendingBytes = 0;
  const unanswered = (peer: UdpRemote, bytes: number, reason: UnansweredReason) =>
    emit({ type: 'unanswered', peer, bytes, reason });
  socket.on('message', (data, from) => {
    // No connection to close: an empty datagram or a goodbye is simply not answered.
    if (data.length === 0) return unanswered(from, 0, 'empty');
    if (data[0] === GOODBYE_BYTE) return unanswered(from, data.length, 'goodbye');
    const refused = guard.check(from, data);
    if (refused) return unanswered(from, data.length, refused);
    if (pending >= limits.maxPendingReplies) return unanswered(from, data.length, 'queue-full');
    const reply = encoder.encode(clock.wallNow(), data);
    if (reply.length > MAX_UDP_PAYLOAD) return unanswered(from, data.length, 'too-large');
    pending++;
    pendingBytes += reply.length;
    const sent = () => {
      pending--;
      pendingBytes -= reply.length;
    };
    socket.send(reply, from.port, from.address).then(sent, () => {
      sent();
      unanswered(from, data.length, 'send-failed');
    });
  });
  return {
    address: socket.address,
    transport: 'udp',
    encrypted: false,
    clients: 0,
    setTlsCredentials: () => {
      throw new TypeError('a UDP echo server has no TLS');
    },
    get queuedBytes() {
      return pendingBytes;
    },
    close: () => socket.close(),
  };
}
