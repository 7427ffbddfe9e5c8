// Reading one chunk ahead: the next read of a source starts as soon as the current chunk is
// taken, so the disk and the socket work at the same time. A read that fails while the caller
// is still writing the previous chunk is held (never an unhandled rejection) and rejects when
// the caller awaits it.

export interface ReadAhead<T> {
  /** The chunk read ahead (or the end); the read of the one after it starts when this settles. */
  next(): Promise<IteratorResult<T>>;
  /** Done with the source early or at its end: it may release what it holds. */
  stop(): void;
}

export function readAhead<T>(source: AsyncIterable<T>): ReadAhead<T> {
  const iterator = source[Symbol.asyncIterator]();
  const start = (): Promise<IteratorResult<T>> => {
    const read = iterator.next();
    read.catch(() => {});
    return read;
  };
  let pending = start();
  return {
    next: async () => {
      const result = await pending;
      if (!result.done) pending = start();
      return result;
    },
    stop: () => void iterator.return?.(),
  };
}
