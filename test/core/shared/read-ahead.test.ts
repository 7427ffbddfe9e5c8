import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../src/core/shared/read-ahead.ts';

/** A source whose reads the test settles by hand, recording when each one starts. */
function manualSource(chunks: number, failAt?: number) {
  const started: number[] = [];
  const settle: Array<() => void> = [];
  let returned = false;
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        next() {
          const i = index++;
          started.push(i);
          return new Promise<IteratorResult<number>>((resolve, reject) => {
            settle[i] = () => {
              if (i === failAt) reject(new Error(`read ${i} failed`));
              else resolve(i < chunks ? { value: i, done: false } : { value: undefined, done: true });
            };
          });
        },
        return() {
          returned = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
  return { source, started, settle, returned: () => returned };
}

describe('readAhead', () => {
  it('starts the next read as soon as a chunk is taken, before the caller asks again', async () => {
    const { source, started, settle } = manualSource(3);
    const reader = readAhead(source);
    expect(started).toEqual([0]);
    settle[0]!();
    expect(await reader.next()).toEqual({ value: 0, done: false });
    expect(started).toEqual([0, 1]);
    settle[1]!();
    expect(await reader.next()).toEqual({ value: 1, done: false });
    settle[2]!();
    expect(await reader.next()).toEqual({ value: 2, done: false });
    settle[3]!();
    expect(await reader.next()).toEqual({ value: undefined, done: true });
    // Nothing is read past the end.
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('holds a read that fails while the caller is busy, and rejects when it is awaited', async () => {
    const { source, settle } = manualSource(3, 1);
    const reader = readAhead(source);
    settle[0]!();
    expect((await reader.next()).value).toBe(0);
    settle[1]!(); // fails with no one awaiting it yet: must not be an unhandled rejection
    await new Promise((resolve) => setImmediate(resolve));
    await expect(reader.next()).rejects.toThrow('read 1 failed');
  });

  it('stop() ends the source early', async () => {
    const { source, settle, returned } = manualSource(5);
    const reader = readAhead(source);
    settle[0]!();
    await reader.next();
    reader.stop();
    expect(returned()).toBe(true);
  });
});
