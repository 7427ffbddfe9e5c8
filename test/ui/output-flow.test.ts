import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OutputFlow } from '../../src/ui/output-flow.ts';

/** A stream that takes `room` writes, then refuses until `drain()`. */
class FakeStream extends EventEmitter {
  readonly written: string[] = [];
  constructor(private room: number) {
    super();
  }
  write(text: string): boolean {
    this.written.push(text);
    this.room--;
    return this.room > 0;
  }
  drain(room: number): void {
    this.room = room;
    this.emit('drain');
  }
}

function setup() {
  const calls: string[] = [];
  const failures: Array<[unknown, string]> = [];
  const flow = new OutputFlow((stream, error) => failures.push([stream, error.message]));
  flow.control({ pauseReading: () => calls.push('pause'), resumeReading: () => calls.push('resume') });
  return { flow, calls, failures };
}

describe('OutputFlow', () => {
  it('pauses reading at the write the stream refuses, not before, and resumes at its drain', () => {
    const { flow, calls } = setup();
    const out = new FakeStream(3);
    const write = flow.writer(out);
    write('a');
    write('b');
    expect(calls).toEqual([]);
    write('c'); // the third write fills it
    expect(calls).toEqual(['pause']);
    write('d'); // already paused: written (lines already received still go out), no second pause
    expect(out.written).toEqual(['a', 'b', 'c', 'd']);
    expect(calls).toEqual(['pause']);
    out.drain(10);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('stays paused until every backed-up stream has drained', () => {
    const { flow, calls } = setup();
    const out = new FakeStream(1);
    const err = new FakeStream(1);
    flow.writer(out)('x');
    flow.writer(err)('y');
    expect(calls).toEqual(['pause']);
    out.drain(10);
    expect(calls).toEqual(['pause']);
    err.drain(10);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('stops writing a stream that failed, reports it once, and does not let it hold reading paused', () => {
    const { flow, calls, failures } = setup();
    const out = new FakeStream(1);
    const write = flow.writer(out);
    write('a');
    expect(calls).toEqual(['pause']);
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    out.emit('error', new Error('again'));
    expect(calls).toEqual(['pause', 'resume']);
    expect(failures).toEqual([[out, 'write EPIPE']]);
    expect(flow.hasFailed(out)).toBe(true);
    write('b');
    expect(out.written).toEqual(['a']);
  });

  it('treats a write that throws as a failed stream', () => {
    const { flow, failures } = setup();
    const out = new FakeStream(5);
    out.write = () => {
      throw new Error('EBADF');
    };
    flow.writer(out)('a');
    expect(failures).toEqual([[out, 'EBADF']]);
  });

  it('pauses a reader given control while a stream is already backed up', () => {
    const flow = new OutputFlow();
    const out = new FakeStream(1);
    flow.writer(out)('a');
    const calls: string[] = [];
    flow.control({ pauseReading: () => calls.push('pause'), resumeReading: () => calls.push('resume') });
    expect(calls).toEqual(['pause']);
    out.drain(1);
    expect(calls).toEqual(['pause', 'resume']);
  });
});
