// A chat server that plays by the rules until the client has joined, then sends whatever the
// test tells it to: escape sequences, absurd [Limits], endless lines. It stands in for a hostile
// server (or anyone on an unencrypted path) in the client's tests, over real sockets.
import net from 'node:net';

export interface HostilePeer {
  readonly socket: net.Socket;
  /** The lines the client sent, in order. */
  readonly received: string[];
  /** Write and wait until the socket took it (or closed); false once the client is gone. */
  write(data: string | Uint8Array): Promise<boolean>;
  /** Write `chunk` again and again, `totalBytes` in all, as fast as the client reads. */
  flood(chunk: string | Uint8Array, totalBytes: number): Promise<number>;
  /** Resolves with the first line the client sent that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once the client's side has closed. */
  closed: Promise<void>;
}

export interface HostileServerOptions {
  /** The answer to LIMITS, without its line end. */
  limits?: string;
  /** Runs once the client has been welcomed and has its LIMITS answer. */
  onJoined?: (peer: HostilePeer) => void | Promise<void>;
  /** Any other line, on any connection (a TICKET, a transfer connection's lines). */
  onLine?: (peer: HostilePeer, verb: string, rest: string) => void;
}

export interface HostileServer {
  port: number;
  /** Resolves with the next client that joins. */
  joined(): Promise<HostilePeer>;
  close(): Promise<void>;
}

export async function startHostileServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const limits = options.limits ?? '[Limits] max-line-bytes=4096 max-reply-bytes=12384 flood-burst=0';
  const sockets = new Set<net.Socket>();
  const joinedPeers: HostilePeer[] = [];
  const joinWaiters: Array<(peer: HostilePeer) => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const peer = hostilePeer(socket);
    let buffer = '';
    let name = '';
    socket.setEncoding('utf8');
    socket.write('[Server] Welcome to netchat. Register with: JOIN <name>\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let lf: number;
      while ((lf = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, lf);
        buffer = buffer.slice(lf + 1);
        peer.received.push(line);
        const [verb = '', rest = ''] = line.split(/ (.*)/s);
        if (verb === 'JOIN') {
          name = rest;
          socket.write(`[Server] Welcome, ${name}! 1 user online. Type HELP for commands.\n`);
        } else if (verb === 'LIMITS') {
          socket.write(`${limits}\n`);
          const waiter = joinWaiters.shift();
          if (waiter) waiter(peer);
          else joinedPeers.push(peer);
          void options.onJoined?.(peer);
        } else if (verb === 'QUIT') {
          socket.end(`[Server] Goodbye, ${name}.\n`);
        } else {
          options.onLine?.(peer, verb, rest);
        }
      }
      for (const wake of peer.wakers.splice(0)) wake();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      for (const wake of peer.wakers.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    joined: () => {
      const ready = joinedPeers.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => joinWaiters.push(resolve));
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function hostilePeer(socket: net.Socket): HostilePeer & { wakers: Array<() => void> } {
  const wakers: Array<() => void> = [];
  const received: string[] = [];
  const gone = () => socket.destroyed || !socket.writable;
  const write = (data: string | Uint8Array) =>
    new Promise<boolean>((resolve) => {
      if (gone()) return resolve(false);
      const onClose = () => resolve(false);
      socket.once('close', onClose);
      socket.write(data, () => {
        socket.off('close', onClose);
        resolve(!gone());
      });
    });
  return {
    socket,
    received,
    wakers,
    write,
    async flood(chunk, totalBytes) {
      const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      let sent = 0;
      while (sent < totalBytes && (await write(chunk))) sent += size;
      return sent;
    },
    waitForLine(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got ${received.join(' | ')}`)), timeoutMs);
        const check = () => {
          const line = received.find((l) => pattern.test(l));
          if (line !== undefined) {
            clearTimeout(timer);
            resolve(line);
          } else if (socket.destroyed) {
            clearTimeout(timer);
            reject(new Error(`the client closed before sending ${pattern}; got ${received.join(' | ')}`));
          } else wakers.push(check);
        };
        check();
      });
    },
    closed: new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve()))),
  };
}
