import { describe, expect, it } from 'vitest';
import { OutputBatcher, type BatchRecipient } from '../../../src/core/chat/output-batcher.ts';
import { encodeLine } from '../../../src/core/links/line-link.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import { FakeConnection } from '../../helpers/chat-fakes.ts';

function writer(): BatchRecipient & { full: number; open: boolean; connection: FakeConnection } {
  const connection = new FakeConnection({ address: '127.0.0.1', port: 1, family: 'IPv4' as const });
  const w = {
    connection,
    link: new TcpLineLink(connection, { maxLineBytes: 1024, maxUnterminatedBytes: 1024 }),
    batched: undefined as Uint8Array[] | undefined,
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

/** An output batcher whose flush runs when the test says. */
function manualBatcher(maxBytes: number) {
  const pending: Array<() => void> = [];
  const batcher = new OutputBatcher(maxBytes, (callback) => pending.push(callback));
  return { batcher, flush: () => pending.splice(0).forEach((run) => run()), scheduled: () => pending.length };
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('OutputBatcher', () => {
  it('writes nothing until the flush, then one write per connection with its lines in order', () => {
    const { batcher, flush, scheduled } = manualBatcher(1024);
    const [a, b] = [writer(), writer()];
    batcher.write(a, encodeLine('one'));
    batcher.write(b, encodeLine('only'));
    batcher.write(a, encodeLine('two'));
    expect(scheduled()).toBe(1);
    expect(a.connection.writes).toEqual([]);
    flush();
    expect(a.connection.writes.map(text)).toEqual(['one\ntwo\n']);
    expect(b.connection.writes.map(text)).toEqual(['only\n']);
    expect(a.batched).toBeUndefined();
  });

  it('hands a single line to every recipient as the same bytes, never a copy', () => {
    const { batcher, flush } = manualBatcher(1024);
    const recipients = [writer(), writer(), writer()];
    const bytes = encodeLine('to all');
    for (const r of recipients) batcher.write(r, bytes);
    flush();
    for (const r of recipients) expect(r.connection.writes[0]).toBe(bytes);
  });

  it('shares one concatenation among recipients that got the same lines', () => {
    const { batcher, flush } = manualBatcher(1024);
    const [a, b, c] = [writer(), writer(), writer()];
    const [one, two] = [encodeLine('1'), encodeLine('2')];
    for (const line of [one, two]) for (const r of [a, b, c]) batcher.write(r, line);
    batcher.write(c, encodeLine('extra'));
    flush();
    expect(a.connection.writes[0]).toBe(b.connection.writes[0]);
    expect(text(c.connection.writes[0])).toBe('1\n2\nextra\n');
  });

  it('reports a connection over the budget after its write, and not one at the budget', () => {
    const { batcher, flush } = manualBatcher(1024);
    const [at, over] = [writer(), writer()];
    at.connection.stuckBytes = 1024;
    over.connection.stuckBytes = 1025;
    batcher.write(at, encodeLine('x'));
    batcher.write(over, encodeLine('x'));
    flush();
    expect([at.full, over.full]).toEqual([0, 1]);
    batcher.write(over, encodeLine('x'));
    flush();
    expect(over.full).toBe(1);
  });

  it('does not count a large tick the kernel took', () => {
    const { batcher, flush } = manualBatcher(1024);
    const w = writer();
    for (let i = 0; i < 100; i++) batcher.write(w, encodeLine('x'.repeat(100)));
    flush();
    expect(w.full).toBe(0);
  });

  it('drops writes to a writer that is no longer writable', () => {
    const { batcher, flush } = manualBatcher(1024);
    const w = writer();
    batcher.write(w, encodeLine('before'));
    w.open = false;
    batcher.write(w, encodeLine('after'));
    flush();
    expect(w.connection.writes).toEqual([]);
  });

  it('flushRecipient writes out what is batched at once, and the flush does not repeat it', () => {
    const { batcher, flush } = manualBatcher(1024);
    const w = writer();
    batcher.write(w, encodeLine('a'));
    batcher.write(w, encodeLine('b'));
    batcher.flushRecipient(w);
    expect(w.connection.writes.map(text)).toEqual(['a\nb\n']);
    flush();
    expect(w.connection.writes).toHaveLength(1);
  });

  it('starts a new batch for writes made while flushing', () => {
    const { batcher, flush, scheduled } = manualBatcher(1024);
    const [full, other] = [writer(), writer()];
    full.connection.stuckBytes = 5000;
    full.sendQueueFull = () => {
      full.open = false;
      batcher.write(other, encodeLine('left'));
    };
    batcher.write(full, encodeLine('x'));
    flush();
    expect(scheduled()).toBe(1);
    flush();
    expect(other.connection.writes.map(text)).toEqual(['left\n']);
  });

  it('flushes in a microtask by default', async () => {
    const batcher = new OutputBatcher(1024);
    const w = writer();
    batcher.write(w, encodeLine('x'));
    expect(w.connection.writes).toEqual([]);
    await Promise.resolve();
    expect(w.connection.writes).toHaveLength(1);
  });
});
