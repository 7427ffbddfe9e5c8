// ChatClient over real sockets against a small scripted server that enforces flood control
// strictly (no delaying: one line over the bucket and it kicks), so pacing is proven on the wire.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectChat, ConnectError } from '../../../src/core/chat-client/chat-client.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { LineClient } from '../../helpers/line-client.ts';

interface StrictServer {
  port: number;
  /** Lines each registered name sent, in arrival order. */
  received: Map<string, string[]>;
  close(): Promise<void>;
}

async function strictServer(burst: number, linesPerSecond: number): Promise<StrictServer> {
  const received = new Map<string, string[]>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    socket.write('[Server] Welcome to netchat. Register with: JOIN <name>\n');
    let tokens = burst;
    let at = performance.now();
    let name: string | undefined;
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let lf: number;
      while ((lf = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, lf);
        buffer = buffer.slice(lf + 1);
        const now = performance.now();
        tokens = Math.min(burst, tokens + ((now - at) * linesPerSecond) / 1000);
        at = now;
        if (tokens < 1) {
          socket.end('ERROR FLOOD too many lines too fast\n');
          buffer = '';
          return;
        }
        tokens -= 1;
        const [verb, rest = ''] = line.split(/ (.*)/s);
        if (verb === 'JOIN') {
          name = rest;
          received.set(name, []);
          socket.write(`[Server] Welcome, ${name}! 1 user online. Type HELP for commands.\n`);
        } else if (verb === 'LIMITS') {
          socket.write(`[Limits] max-line-bytes=4096 flood-burst=${burst} flood-lines-per-second=${linesPerSecond}\n`);
        } else if (verb === 'QUIT') {
          socket.end(`[Server] Goodbye, ${name}.\n`);
        } else if (name) {
          received.get(name)!.push(line);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let server: StrictServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ChatClient over TCP', () => {
  it('the strict server really kicks a client that does not pace itself', async () => {
    server = await strictServer(4, 40);
    const raw = await LineClient.connect(server.port);
    for (let i = 0; i < 10; i++) raw.sendLine(i === 0 ? 'JOIN raw' : `BROADCAST ${i}`);
    await raw.waitForLine(/^ERROR FLOOD/);
    await raw.waitForClose();
  });

  it('delivers every line in order under flood control and leaves with reason quit', async () => {
    server = await strictServer(4, 40);
    const client = await connectChat(getRuntime(), { host: '127.0.0.1', port: server.port });
    expect(await client.join('bot')).toMatchObject({ ok: true, name: 'bot' });
    const lines = Array.from({ length: 30 }, (_, i) => `BROADCAST line ${i}`);
    for (const line of lines) expect(client.send(line)).toEqual({ ok: true });
    expect(await client.leave()).toEqual({ reason: 'quit' });
    expect(server.received.get('bot')).toEqual(lines);
  });

  it('fails to connect with a ConnectError naming host and port', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await connectChat(getRuntime(), { host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', host: '127.0.0.1', port });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('ends with reason error and the errno code when the server resets the connection', async () => {
    const reset = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => reset.listen(0, '127.0.0.1', resolve));
    try {
      const client = await connectChat(getRuntime(), { host: '127.0.0.1', port: (reset.address() as net.AddressInfo).port });
      expect(await client.join('bot')).toMatchObject({ ok: false, code: 'CLOSED', close: { reason: 'error', code: 'ECONNRESET' } });
    } finally {
      await new Promise<void>((resolve) => reset.close(() => resolve()));
    }
  });

  it('ends with server-closed when the server goes away', async () => {
    server = await strictServer(4, 40);
    const client = await connectChat(getRuntime(), { host: '127.0.0.1', port: server.port });
    await client.join('bot');
    await server.close();
    server = undefined;
    expect(await client.closed).toMatchObject({ reason: expect.stringMatching(/^(server-closed|error)$/) });
  });
});
