import net from 'node:net';
import type {
  SocketAddress,
  TcpConnectOptions,
  TcpConnection,
  TcpConnectionEvents,
  TcpListenOptions,
  TcpServer,
} from './types.ts';

function familyOf(family: string | number | undefined): 'IPv4' | 'IPv6' {
  return family === 'IPv6' || family === 6 ? 'IPv6' : 'IPv4';
}

/** A `node:net` socket behind the runtime-neutral TcpConnection interface. */
export class NodeTcpConnection implements TcpConnection {
  readonly remote: SocketAddress;
  readonly local: SocketAddress;

  constructor(private readonly socket: net.Socket) {
    this.remote = {
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      family: familyOf(socket.remoteFamily),
    };
    this.local = {
      address: socket.localAddress ?? '',
      port: socket.localPort ?? 0,
      family: familyOf(socket.localFamily),
    };
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
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  setNoDelay(noDelay: boolean): void {
    this.socket.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.socket.setKeepAlive(enable, initialDelayMs);
  }

  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    this.socket.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    this.socket.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
}

export function listenTcp(
  options: TcpListenOptions,
  onConnection: (connection: TcpConnection) => void,
): Promise<TcpServer> {
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false, noDelay: true });
  server.on('connection', (socket) => {
    // A socket can be reset between accept and here; it then has no remote address.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    onConnection(new NodeTcpConnection(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog ?? 511 }, () => {
      server.off('error', reject);
      // Accept errors (EMFILE and the like) must not take the server down.
      server.on('error', () => {});
      const bound = server.address() as net.AddressInfo;
      resolve({
        address: { address: bound.address, port: bound.port, family: familyOf(bound.family) },
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

export function connectTcp(options: TcpConnectOptions): Promise<TcpConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: options.host,
      port: options.port,
      allowHalfOpen: options.allowHalfOpen ?? false,
      noDelay: true,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (error: Error) => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    if (options.timeoutMs && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        const error = new Error(`connect to ${options.host}:${options.port} timed out after ${options.timeoutMs} ms`);
        (error as NodeJS.ErrnoException).code = 'ETIMEDOUT';
        fail(error);
      }, options.timeoutMs);
    }
    socket.once('error', fail);
    socket.once('connect', () => {
      if (timer) clearTimeout(timer);
      socket.off('error', fail);
      resolve(new NodeTcpConnection(socket));
    });
  });
}
