// A fake chat server for driving the chat core without sockets or real time; the fake clock, the
// fake connections and the fake network live in fake-clock.ts, fake-tcp-connection.ts and
// fake-network.ts, re-exported here. The real-socket tests live in chat-server-net.test.ts. The
// server tests hook `afterInput`/`afterTimer` to flush the send queue, so what the server wrote
// can be checked right after the event that caused it.
import type { ChatServerEvent } from '../../src/core/chat/server-events.ts';
import { startChatServer, type ChatServer } from '../../src/core/chat/chat-server.ts';
import type { ChatLimits } from '../../src/core/chat/chat-limits.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeNetwork } from './fake-network.ts';
import type { FakeConnection } from './fake-tcp-connection.ts';

export { FakeClock };
export { FakeConnection } from './fake-tcp-connection.ts';
export { FakeNetwork } from './fake-network.ts';

/** Resolves after every microtask queued so far (the send queue's uncork among them). */
export function microtasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(() => queueMicrotask(resolve)));
}

export interface FakeChat {
  network: FakeNetwork;
  clock: FakeClock;
  server: ChatServer;
  /** Everything the server reported, in order. */
  events: ChatServerEvent[];
  /** Connect and send `JOIN <name>`. */
  join(name: string, address?: string): FakeConnection;
}

/**
 * A chat server on fake connections and a fake clock, flood control off unless `limits` turn it
 * on, timeouts swept every 10 ms, closing connections destroyed after 100 ms. The send queue is
 * flushed after every peer event and timer, so replies can be checked right away.
 */
export async function startFakeChat(limits: Partial<ChatLimits> = {}): Promise<FakeChat> {
  const network = new FakeNetwork();
  const clock = new FakeClock();
  const events: ChatServerEvent[] = [];
  const server = await startChatServer(network, {
    host: '127.0.0.1',
    port: 0,
    limits: { floodBurst: 0, ...limits },
    clock,
    onEvent: (event) => events.push(event),
    sweepIntervalMs: 10,
    closeGraceMs: 100,
  });
  network.afterInput = server.batcher.flush;
  clock.afterTimer = server.batcher.flush;
  const join = (name: string, address?: string) => {
    const connection = network.connect(address);
    connection.send(`JOIN ${name}\n`);
    return connection;
  };
  return { network, clock, server, events, join };
}
