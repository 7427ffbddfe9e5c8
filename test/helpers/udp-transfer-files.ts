// The transfer drivers' file interfaces over real files through the runtime's file store, for
// tests and the benchmark harness: a source read from an offset, a sink appending to a hidden
// partial file renamed into place on commit, and SHA-256.
import path from 'node:path';
import { readerSource, writerSink } from '../../src/core/udp-transfer/file-adapters.ts';
import type { ByteSink, ByteSource } from '../../src/core/udp-transfer/transfer-io.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import type { Sha256 } from '../../src/runtime/types.ts';

const runtime = getRuntime();

/** The file's bytes from `offset` up to `size` (what the transfer announced). */
export async function fileSource(filePath: string, offset: number, size?: number): Promise<ByteSource> {
  const reader = await runtime.files.openRead(filePath);
  return readerSource(reader, { start: offset, end: size ?? reader.stat.size });
}

/** Where `finalPath`'s bytes wait until they are verified: `.name.part` beside it. */
export function partialPathOf(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.part`);
}

/** Appends to the partial file of `finalPath` (created, or resumed where it ends). */
export async function partialFileSink(finalPath: string): Promise<ByteSink & { readonly existingBytes: number }> {
  const partial = partialPathOf(finalPath);
  const writer = await runtime.files.openWrite(partial, { mode: 'append' });
  const sink = writerSink(writer, { place: () => runtime.files.renameNoReplace(partial, finalPath) });
  return { ...sink, existingBytes: writer.startSize };
}

/** SHA-256 that has already seen the first `bytes` of `filePath` (a resumed partial file). */
export async function sha256After(filePath: string, bytes: number): Promise<Sha256> {
  const hash = runtime.sha256();
  if (bytes > 0) for await (const chunk of runtime.files.read(filePath, { start: 0, end: bytes })) hash.update(chunk);
  return hash;
}

export async function sha256OfFile(filePath: string): Promise<string> {
  return (await runtime.files.sha256(filePath)).sha256;
}

export async function fileSize(filePath: string): Promise<number> {
  return (await runtime.files.stat(filePath)).size;
}
