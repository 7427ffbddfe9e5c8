import { describe, expect, it } from 'vitest';
import { HashQueue } from '../../../src/core/accounts/hash-queue.ts';

function deferred() {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the hash queue', () => {
  it('runs at most `concurrency` tasks at once, the rest in order as slots free', async () => {
    const queue = new HashQueue(2, 10);
    const tasks = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const results = tasks.map((task, i) => queue.run(() => (started.push(i), task.promise)));
    expect(started).toEqual([0, 1]);
    expect(queue.active).toBe(2);
    expect(queue.queued).toBe(1);
    tasks[1]!.resolve('b');
    await expect(results[1]).resolves.toBe('b');
    expect(started).toEqual([0, 1, 2]);
    tasks[0]!.resolve('a');
    tasks[2]!.resolve('c');
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c']);
    expect(queue.active).toBe(0);
  });

  it('queues up to `maxWaiting` and refuses one more without running it', () => {
    const queue = new HashQueue(1, 2);
    const never = () => new Promise<void>(() => {});
    expect(queue.run(never)).toBeDefined();
    expect(queue.run(never)).toBeDefined();
    expect(queue.run(never)).toBeDefined();
    let ran = false;
    expect(queue.run(() => ((ran = true), never()))).toBeUndefined();
    expect(ran).toBe(false);
  });

  it('frees a slot when a task fails', async () => {
    const queue = new HashQueue(1, 1);
    const failing = queue.run(() => Promise.reject(new Error('boom')));
    const next = queue.run(() => Promise.resolve('ok'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
