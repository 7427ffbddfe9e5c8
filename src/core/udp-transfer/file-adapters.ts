// The drivers' byte source and sink over the runtime's file store: a FileReader read in order
// from the transfer's offset, and a FileWriter appending to a hidden partial file that a caller-
// supplied step puts in place once the SHA-256 matched.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import type { FileReader, FileWriter } from '../../runtime/types.ts';
import { ChunkCopies } from '../shared/chunk-copies.ts';
import type { ByteSink, ByteSource } from './transfer-io.ts';

/** The largest piece a FileReader yields. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
/** Released blocks kept for reuse; the driver never holds more than its window's worth. */
const MAX_SPARE_BLOCKS = 64;

/**
 * `reader`'s bytes from `start` to `end`. `end` is the size the transfer announced: a file that
 * turns out shorter fails the read (FILE_SHORT_READ), which ends the transfer with READ_FAILED.
 */
export function readerSource(reader: FileReader, range: { start: number; end: number }): ByteSource {
  let pieces: AsyncIterator<Uint8Array> | undefined;
  let leftover: Uint8Array | undefined;
  const spares: Uint8Array[] = [];
  return {
    async read(maxBytes) {
      // The driver asks for the same size every time (but the last): read pieces of that size,
      // into blocks it gave back when there are some.
      pieces ??= reader.chunks({ ...range, chunkBytes: Math.min(maxBytes, MAX_READ_BYTES), spare: () => spares.pop() })[Symbol.asyncIterator]();
      const parts: Uint8Array[] = [];
      let have = 0;
      while (have < maxBytes) {
        let piece = leftover;
        leftover = undefined;
        if (!piece) {
          const next = await pieces.next();
          if (next.done) break;
          piece = next.value;
        }
        if (piece.length > maxBytes - have) {
          leftover = piece.subarray(maxBytes - have);
          piece = piece.subarray(0, maxBytes - have);
        }
        parts.push(piece);
        have += piece.length;
      }
      return parts.length === 1 ? parts[0]! : concatBytes(parts, have);
    },
    release(block) {
      // Only whole blocks: a view into a larger one would let two reads share memory.
      if (block.byteOffset === 0 && block.byteLength === block.buffer.byteLength && spares.length < MAX_SPARE_BLOCKS) spares.push(block);
    },
    close: () => reader.close(),
  };
}

/**
 * Appends to a hidden partial file through a ring of slabs: the parts are views into datagrams,
 * copied once so that the writer is handed few large pieces of memory used again, and the
 * datagrams can go. Waits while the slab to fill next is still being written. `target` is the
 * writer, or opens it on the first bytes (a file named after what UDP_BEGIN announced); `place`
 * gives the closed, verified file its real name; `removeUnopened` is a discard's work when no
 * writer was opened.
 */
export function writerSink(
  target: FileWriter | (() => Promise<FileWriter>),
  { place = async () => {}, removeUnopened = async () => {} }: { place?: () => Promise<void>; removeUnopened?: () => Promise<void> } = {},
): ByteSink {
  let writer = typeof target === 'function' ? undefined : target;
  let copies = writer && new ChunkCopies(writer);
  const opened = async (): Promise<ChunkCopies> => {
    if (!copies) {
      writer = await (target as () => Promise<FileWriter>)();
      copies = new ChunkCopies(writer);
    }
    return copies;
  };
  return {
    async append(parts) {
      const slabs = copies ?? (await opened());
      for (const part of parts) {
        const room = slabs.room(part.length);
        if (room) await room;
        slabs.copy(part);
      }
    },
    async commit() {
      (copies ?? (await opened())).finish();
      await writer!.close();
      await place();
    },
    discard: () => (writer ? writer.abort() : removeUnopened()),
    // What was appended goes into the partial file, for a resume to continue from.
    async close() {
      copies?.finish();
      await writer?.close();
    },
  };
}
