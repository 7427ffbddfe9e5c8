// The client's way to one echo server: a TCP connection or a UDP socket aimed at it, behind one
// small interface so probes and stdin streaming are written once for both transports.
import type { Runtime, TcpConnection, UdpSocket } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import { formatHostPort } from '../shared/host-port.ts';
import type { EchoTransport } from './echo-server.ts';

export interface EchoTarget {
  host: string;
  port: number;
  transport?: EchoTransport;
  /** Longest wait for the TCP connection, and for each reply. */
  timeoutMs: number;
  /** Times replies and waits; the system clock by default. */
  clock?: Clock;
}

/** Errors of the echo client carry a stable code; the command maps them to exit codes. */
export class EchoClientError extends Error {
  constructor(
    readonly code: 'CONNECT_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How the link ended without us closing it: the server closed (TCP), or a send failed (UDP). */
export type LinkLoss = 'server-closed' | 'send-failed';

export interface EchoLink {
  readonly transport: EchoTransport;
  /** Queue `bytes` (UDP: one datagram). False when the TCP send buffer is past its mark. */
  send(bytes: Uint8Array): boolean;
  /** TCP: resolves at `drain`; UDP: at once. */
  drained(): Promise<void>;
  /** Stop (or restart) reading: TCP backpressure towards the server. */
  pause(): void;
  resume(): void;
  /** TCP: half-close after what is queued, so the server knows the input is over. */
  end(): void;
  close(): void;
  /** Bytes from the server: a chunk of the TCP stream, or one whole datagram. */
  onReceive(handler: (bytes: Uint8Array) => void): void;
  onLoss(handler: (loss: LinkLoss) => void): void;
}

export async function openEchoLink(runtime: Pick<Runtime, 'connectTcp' | 'bindUdp'>, target: EchoTarget): Promise<EchoLink> {
  if (target.transport === 'udp') {
    // An IPv6 literal needs a udp6 socket; names resolve to IPv4, as `node:dgram` does for udp4.
    const socket = await runtime.bindUdp({ host: target.host.includes(':') ? '::' : '0.0.0.0', port: 0 });
    return udpLink(socket, target);
  }
  try {
    const connection = await runtime.connectTcp({ host: target.host, port: target.port, timeoutMs: target.timeoutMs });
    return tcpLink(connection);
  } catch (error) {
    const { code = (error as Error).message, message } = error as Error & { code?: string };
    // A TLS failure's code alone does not say what to do; its message does.
    const reason = code.startsWith('TLS_') ? `${code} (${message})` : code;
    throw new EchoClientError('CONNECT_FAILED', `cannot connect to ${formatHostPort(target.host, target.port)}: ${reason}`, { cause: error });
  }
}

function tcpLink(connection: TcpConnection): EchoLink {
  let closing = false;
  let onLoss: (loss: LinkLoss) => void = () => {};
  // The server's FIN ends the exchange: every reply it will send has arrived.
  const lost = () => {
    if (!closing) onLoss('server-closed');
    closing = true;
  };
  connection.on('end', lost);
  connection.on('close', lost);
  return {
    transport: 'tcp',
    send: (bytes) => connection.write(bytes),
    drained: () => new Promise((resolve) => connection.closed ? resolve() : waitDrain(connection, resolve)),
    pause: () => connection.pause(),
    resume: () => connection.resume(),
    end: () => connection.end(),
    close() {
      closing = true;
      connection.destroy();
    },
    onReceive: (handler) => void connection.on('data', handler),
    onLoss: (handler) => void (onLoss = handler),
  };
}

function waitDrain(connection: TcpConnection, resolve: () => void): void {
  const done = () => {
    connection.off('drain', done);
    connection.off('close', done);
    resolve();
  };
  connection.on('drain', done);
  connection.on('close', done);
}

function udpLink(socket: UdpSocket, target: EchoTarget): EchoLink {
  let closed = false;
  let onLoss: (loss: LinkLoss) => void = () => {};
  return {
    transport: 'udp',
    send(bytes) {
      socket.send(bytes, target.port, target.host).catch(() => {
        if (!closed) onLoss('send-failed');
      });
      return true;
    },
    drained: () => Promise.resolve(),
    pause: () => {},
    resume: () => {},
    end: () => {},
    close() {
      closed = true;
      void socket.close();
    },
    // Only datagrams from the server's port count; anything else on the socket is noise.
    onReceive: (handler) =>
      void socket.on('message', (data, from) => {
        if (from.port === target.port) handler(data);
      }),
    onLoss: (handler) => void (onLoss = handler),
  };
}
