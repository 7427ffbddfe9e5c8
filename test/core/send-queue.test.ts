import { describe, expect, it } from 'vitest';
import { encodeLine, SendQueue, type QueuedWriter } from '../../src/core/send-queue.ts';
import { FakeConnection } from './chat-fakes.ts';

function writer(): QueuedWriter & { full: number; open: boolean; connection: FakeConnection } {
  const w = {
    connection: new FakeConnection({ address: '127.0.0.1', port: 1, family: 'IPv4' as const }),
    corked: false,
    open: true,
    full: 0,
    get writable() {
      return w.open;
    },
    sendQueueFull() {
      w.full++;
      w.open = false;
    },
  };
  return w;
}

/** A send queue whose flush runs when the test says. */
function manualQueue(maxBytes: number) {
  const pending: Array<() => void> = [];
  const queue = new SendQueue(maxBytes, (callback) => pending.push(callback));
  return { queue, flush: () => pending.splice(0).forEach((run) => run()), scheduled: () => pending.length };
}

describe('SendQueue', () => {
  it('corks a connection on its first write in a tick and uncorks all of them in one flush', () => {
    const { queue, flush, scheduled } = manualQueue(1024);
    const [a, b] = [writer(), writer()];
    const bytes = encodeLine('hello');
    queue.write(a, bytes);
    queue.write(a, bytes);
    queue.write(b, bytes);
    expect([a.connection.corks, b.connection.corks, scheduled()]).toEqual([1, 1, 1]);
    expect(a.connection.uncorks).toBe(0);
    flush();
    expect([a.connection.uncorks, b.connection.uncorks, a.corked, b.corked]).toEqual([1, 1, false, false]);
    expect(a.connection.writes).toEqual([bytes, bytes]);
    expect(b.connection.writes[0]).toBe(bytes);
  });

  it('reports a connection over the budget after the uncork, at most once, and not one at the budget', () => {
    const { queue, flush } = manualQueue(1024);
    const [at, over] = [writer(), writer()];
    at.connection.stuckBytes = 1024;
    over.connection.stuckBytes = 1025;
    queue.write(at, encodeLine('x'));
    queue.write(over, encodeLine('x'));
    flush();
    expect([at.full, over.full]).toEqual([0, 1]);
    queue.write(over, encodeLine('x'));
    flush();
    expect(over.full).toBe(1);
  });

  it('does not count what this tick corked, only what the kernel refused', () => {
    const { queue, flush } = manualQueue(1024);
    const w = writer();
    for (let i = 0; i < 100; i++) queue.write(w, encodeLine('x'.repeat(100)));
    expect(w.connection.pendingWriteBytes).toBeGreaterThan(1024);
    flush();
    expect(w.full).toBe(0);
  });

  it('drops writes to a writer that is no longer writable', () => {
    const { queue } = manualQueue(1024);
    const w = writer();
    w.open = false;
    queue.write(w, encodeLine('x'));
    expect(w.connection.writes).toEqual([]);
    expect(w.connection.corks).toBe(0);
  });

  it('starts a new batch for writes made while flushing', () => {
    const { queue, flush, scheduled } = manualQueue(1024);
    const [full, other] = [writer(), writer()];
    full.connection.stuckBytes = 5000;
    full.sendQueueFull = () => {
      full.open = false;
      queue.write(other, encodeLine('left'));
    };
    queue.write(full, encodeLine('x'));
    flush();
    expect(other.corked).toBe(true);
    expect(scheduled()).toBe(1);
    flush();
    expect(other.connection.uncorks).toBe(1);
  });

  it('uncorks in a microtask by default', async () => {
    const queue = new SendQueue(1024);
    const w = writer();
    queue.write(w, encodeLine('x'));
    expect(w.connection.uncorks).toBe(0);
    await Promise.resolve();
    expect(w.connection.uncorks).toBe(1);
  });
});
