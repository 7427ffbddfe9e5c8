import { describe, expect, it } from 'vitest';
import { ClientOutbox } from '../../../src/core/chat-client/client-outbox.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import { FakeClock, FakeConnection } from '../../helpers/chat-fakes.ts';

function setup(burst = 3, linesPerSecond = 10) {
  const clock = new FakeClock();
  const connection = new FakeConnection({ address: '127.0.0.1', port: 12000, family: 'IPv4' });
  let drains = 0;
  const link = new TcpLineLink(connection, { maxLineBytes: 1024, maxUnterminatedBytes: 1024 });
  const outbox = new ClientOutbox(link, clock, { burst, linesPerSecond }, undefined, () => drains++);
  return { clock, connection, outbox, drains: () => drains };
}

describe('ClientOutbox', () => {
  it('writes what the bucket allows at once and the rest one token at a time, in order', () => {
    const { clock, connection, outbox, drains } = setup(3, 10); // 2 at once, then every 112 ms
    for (let i = 0; i < 4; i++) outbox.push(`L${i}`);
    expect(connection.lines()).toEqual(['L0', 'L1']);
    expect(outbox.length).toBe(2);
    clock.advance(112);
    expect(connection.lines()).toEqual(['L0', 'L1', 'L2']);
    const drainsBefore = drains();
    clock.advance(112);
    expect(connection.lines()).toEqual(['L0', 'L1', 'L2', 'L3']);
    expect(drains()).toBe(drainsBefore + 1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('calls onSent right after its line is written', () => {
    const { clock, connection, outbox } = setup(2, 10); // 1 at once
    const seen: string[][] = [];
    outbox.push('A');
    outbox.push('B', () => seen.push(connection.lines()));
    expect(seen).toEqual([]);
    clock.advance(1000);
    expect(seen).toEqual([['A', 'B']]);
  });

  it('writes an urgent line ahead of the waiting ones', () => {
    const { connection, outbox } = setup(2, 10);
    outbox.push('A');
    outbox.push('B');
    outbox.urgent('PONG x');
    expect(connection.lines()).toEqual(['A', 'PONG x']);
  });

  it('sends at once, in one write, when reconfigured to more tokens', () => {
    const { clock, connection, outbox } = setup(2, 1);
    for (let i = 0; i < 5; i++) outbox.push(`L${i}`);
    expect(connection.lines()).toHaveLength(1);
    const writes = connection.writes.length;
    outbox.configure({ burst: 0, linesPerSecond: 0 });
    expect(connection.lines()).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
    expect(connection.writes.length).toBe(writes + 1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clear drops the waiting lines; stop also cancels the timer and refuses more', () => {
    const { clock, connection, outbox } = setup(2, 10);
    outbox.push('A');
    outbox.push('B');
    outbox.clear();
    outbox.push('C');
    clock.advance(1000);
    expect(connection.lines()).toEqual(['A', 'C']);
    outbox.push('D');
    outbox.push('E');
    outbox.stop();
    expect(clock.pendingTimers).toBe(0);
    outbox.push('F');
    outbox.urgent('G');
    clock.advance(1000);
    expect(connection.lines()).toEqual(['A', 'C', 'D']);
  });

  it('never asks for a timer longer than the runtimes keep, whatever rate it is given', () => {
    const { clock, connection, outbox } = setup(2, 1e-12); // the clamp is the client's; this is the last guard
    outbox.push('A');
    outbox.push('B');
    expect(connection.lines()).toEqual(['A']);
    expect(clock.nextTimerIn).toBe(2 ** 31 - 1);
    clock.advance(2 ** 31 - 1);
    // Woken early, it waits again rather than sending: the bucket is still empty.
    expect(connection.lines()).toEqual(['A']);
    expect(clock.nextTimerIn).toBe(2 ** 31 - 1);
  });
});
