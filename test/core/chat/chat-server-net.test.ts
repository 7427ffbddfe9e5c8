// The chat server on real sockets on 127.0.0.1: what nc or telnet would see.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer, type ChatServerOptions } from '../../../src/core/chat/chat-server.ts';
import type { ChatServerEvent } from '../../../src/core/chat/server-events.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { LineClient } from '../../helpers/line-client.ts';

let server: ChatServer | undefined;
const clients: Array<{ destroy(): void }> = [];
let events: ChatServerEvent[] = [];
let eventWaiters: Array<() => void> = [];

async function start(limits: Partial<ChatLimits> = {}, options: Partial<ChatServerOptions> = {}): Promise<number> {
  events = [];
  server = await startChatServer(getRuntime(), {
    host: '127.0.0.1',
    port: 0,
    limits: { floodBurst: 0, ...limits },
    onEvent: (event) => {
      events.push(event);
      const waiters = eventWaiters;
      eventWaiters = [];
      for (const wake of waiters) wake();
    },
    closeGraceMs: 300,
    ...options,
  });
  return server.address.port;
}

/** Resolve once `condition` holds, re-checked on every server event; fail after `timeoutMs`. */
function untilEvent(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`condition not met; events: ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
    const check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      } else eventWaiters.push(check);
    };
    check();
  });
}

async function joined(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push({ destroy: () => client.close() });
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(/^\[Server\] Welcome, /);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  const s = server;
  server = undefined;
  await s?.close();
});

describe('chat server on real sockets', () => {
  it('speaks the protocol with CRLF and with bytes sent one at a time', async () => {
    const port = await start();
    const alice = await joined(port, 'alice');
    const raw = await LineClient.connect(port);
    clients.push({ destroy: () => raw.close() });
    raw.socket.setNoDelay(true);
    for (const byte of new TextEncoder().encode('JOIN bö\r\nBROADCAST grüß 🎉\r\n')) {
      await new Promise<void>((resolve) => raw.socket.write(new Uint8Array([byte]), () => resolve()));
    }
    // 'bö' is not a valid name; the whole line still arrived as one.
    await raw.waitForLine(/^ERROR NAME_INVALID /);
    await raw.waitForLine(/^ERROR NOT_REGISTERED /);
    raw.send('JOIN bob\r\nBROADCAST grüß 🎉\r\n');
    expect(await alice.waitForLine(/^\[Broadcast\]/)).toBe('[Broadcast] bob: grüß 🎉');
  });

  it('drops an over-long line with LINE_TOO_LONG and keeps the connection', async () => {
    const port = await start({ maxLineBytes: 100 });
    const [a, b] = [await joined(port, 'a'), await joined(port, 'b')];
    a.sendLine(`BROADCAST ${'x'.repeat(200)}`);
    a.sendLine('BROADCAST short');
    await a.waitForLine(/^ERROR LINE_TOO_LONG /);
    expect(await b.waitForLine(/^\[Broadcast\]/)).toBe('[Broadcast] a: short');
  });

  it('gives exactly one of two racing clients a name', async () => {
    const port = await start();
    const [x, y] = await Promise.all([LineClient.connect(port), LineClient.connect(port)]);
    clients.push({ destroy: () => x.close() }, { destroy: () => y.close() });
    x.sendLine('JOIN same');
    y.sendLine('JOIN SAME');
    const outcome = await Promise.all(
      [x, y].map((c) => c.waitForLine((l) => l.startsWith('[Server] Welcome,') || l.startsWith('ERROR ')).then((l) => l.split(' ')[1])),
    );
    expect(outcome.sort()).toEqual(['NAME_TAKEN', 'Welcome,']);
  });

  it('disconnects a client that never reads while the readers get every message', async () => {
    const port = await start({ maxSendQueueBytes: 16 * 1024 });
    const readers = [await joined(port, 'r1'), await joined(port, 'r2')];
    const sender = await joined(port, 'sender');
    const stalled = await LineClient.connect(port);
    clients.push({ destroy: () => stalled.close() });
    stalled.sendLine('JOIN stalled');
    await stalled.waitForLine(/^\[Server\] Welcome, /);
    stalled.socket.pause();
    const payload = 'p'.repeat(900);
    let sent = 0;
    const stalledGone = () => events.some((e) => e.type === 'disconnect' && e.name === 'stalled');
    // Keep the chat busy until the stalled client is dropped; bounded at ~90 MB.
    for (let batch = 0; batch < 100 && !stalledGone(); batch++) {
      sender.send(Array.from({ length: 1000 }, () => `BROADCAST ${sent++} ${payload}\n`).join(''));
      await Promise.all(readers.map((r) => r.waitForLine(`[Broadcast] sender: ${sent - 1} ${payload}`, { timeoutMs: 10_000 })));
    }
    expect(stalledGone()).toBe(true);
    expect(events.find((e) => e.type === 'disconnect' && e.name === 'stalled')).toMatchObject({ reason: 'send-queue-full' });
    for (const reader of readers) {
      const got = reader.lines.filter((l) => l.startsWith('[Broadcast] sender: '));
      expect(got).toHaveLength(sent);
      expect(got.every((line, i) => line.startsWith(`[Broadcast] sender: ${i} `))).toBe(true);
      await reader.waitForLine('[Server] stalled has left the chat (send queue full).');
    }
    expect(server!.userCount).toBe(3);
  }, 60_000);

  it('delays a fast client without losing lines and disconnects a flooding one', async () => {
    const port = await start({ floodBurst: 5, floodLinesPerSecond: 200, floodMaxDelayedLines: 30 });
    const watcher = await joined(port, 'watcher');
    const fast = await joined(port, 'fast');
    fast.send(Array.from({ length: 30 }, (_, i) => `BROADCAST fast ${i}\n`).join(''));
    await watcher.waitForLine('[Broadcast] fast: fast 29');
    expect(watcher.lines.filter((l) => l.startsWith('[Broadcast] fast:'))).toHaveLength(30);
    const flooder = await joined(port, 'flooder');
    flooder.send(Array.from({ length: 500 }, (_, i) => `BROADCAST flood ${i}\n`).join(''));
    await flooder.waitForLine(/^ERROR FLOOD /);
    await flooder.waitForClose();
    await watcher.waitForLine('[Server] flooder has left the chat (flood).');
    expect(fast.closed).toBe(false);
  });

  it('announces abrupt disconnects: a reset and a plain close', async () => {
    const port = await start();
    const watcher = await joined(port, 'watcher');
    const resetter = await joined(port, 'resetter');
    const closer = await joined(port, 'closer');
    resetter.socket.resetAndDestroy();
    await watcher.waitForLine('[Server] resetter has left the chat (connection reset).');
    closer.socket.end();
    await watcher.waitForLine('[Server] closer has left the chat (connection closed by peer).');
    await untilEvent(() => server!.connectionCount === 1);
  });

  it('answers a piped session and closes after QUIT: everything before it was processed', async () => {
    const port = await start();
    const watcher = await joined(port, 'watcher');
    const piped = await LineClient.connect(port);
    piped.send('JOIN piped\nBROADCAST one\nLIST_USERS\nQUIT\n');
    piped.socket.end();
    await piped.waitForClose();
    expect(piped.lines.slice(-3)).toEqual(['[Users] piped, watcher', '[Users] 2 users, 2 in total.', '[Server] Goodbye, piped.']);
    await watcher.waitForLine('[Server] piped has left the chat (quit).');
    expect(watcher.lines).toContain('[Broadcast] piped: one');
  });

  it('takes a last line without its LF when the peer half-closes, as `printf … | nc -N` sends it', async () => {
    const port = await start();
    const watcher = await joined(port, 'watcher');
    const piped = await LineClient.connect(port);
    piped.send('JOIN piped\nBROADCAST no newline at the end');
    piped.socket.end();
    await piped.waitForClose();
    await watcher.waitForLine('[Server] piped has left the chat (connection closed by peer).');
    expect(watcher.lines).toContain('[Broadcast] piped: no newline at the end');
  });

  it('takes 1,000 clients connecting and leaving', async () => {
    const count = 1000;
    // Announcing each join to everyone would make this test quadratic; 100 keeps it honest but fast.
    const port = await start({ maxConnections: count + 10, maxConnectionsPerIp: count + 10, announceMaxUsers: 100 });
    const sockets: net.Socket[] = [];
    const connectOne = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ port, host: '127.0.0.1' });
        sockets.push(socket);
        clients.push({ destroy: () => socket.destroy() });
        let seen = '';
        socket.setEncoding('utf8');
        socket.on('error', reject);
        socket.on('data', (chunk: string) => {
          if (seen === null) return;
          seen += chunk;
          if (seen.includes(`Welcome, u${i}!`)) {
            seen = null as unknown as string;
            resolve();
          }
        });
        socket.write(`JOIN u${i}\n`);
      });
    for (let start = 0; start < count; start += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => connectOne(start + k)));
    }
    expect(server!.userCount).toBe(count);
    sockets.forEach((socket, i) => (i % 2 === 0 ? socket.end('QUIT\n') : socket.destroy()));
    await untilEvent(() => server!.connectionCount === 0, 20_000);
    expect(server!.userCount).toBe(0);
    expect(events.filter((e) => e.type === 'disconnect')).toHaveLength(count);
  }, 60_000);

  it('shuts down with clients connected: every client is told and closed', async () => {
    const port = await start();
    const a = await joined(port, 'a');
    const b = await joined(port, 'b');
    const lurker = await LineClient.connect(port);
    await server!.close();
    server = undefined;
    for (const c of [a, b, lurker]) {
      await c.waitForLine('[Server] Server is shutting down.');
      await c.waitForClose();
    }
    await expect(LineClient.connect(port)).rejects.toThrow();
  });
});
