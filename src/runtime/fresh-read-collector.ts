// Node's sockets read into fresh memory, 64 KiB at a time, and V8 frees that memory only when it
// collects the young generation (which the few small objects of a bulk transfer seldom fill) or
// once about 64 MiB of it has piled up outside the heap. An upload of any size thus raised the
// server's RSS by ~40 MiB, and every read touched fresh pages. Collecting the young generation
// after every few MiB of such reads frees them while their pages are still warm: a bare node:net
// server receiving 1 GiB grew by 11 MiB instead of 39, in 267 ms instead of 402, at less CPU
// (docs/BENCHMARKS.md, "Shared files"). Node only: collecting as often, Bun took 40 % longer to
// receive and Deno nearly three times as long, more than the memory was worth.
import v8 from 'node:v8';
import vm from 'node:vm';
import { detectRuntime } from './detect.ts';

/** Whether reads are counted at all: under Node only (above); elsewhere sockets skip the counter. */
export const COUNTS_FRESH_READS = detectRuntime() === 'node';

/** Reads between two collections, summed over every connection of the process. */
export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;
/** undefined: not looked up yet; null: there is none here. */
let collect: Collect | null | undefined;
let sinceCollect = 0;
/** What this process counted and collected, for tests. */
const stats = { bytes: 0, collections: 0 };

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  collect = null;
  if (!COUNTS_FRESH_READS) return collect;
  try {
    // The flag exposes `gc` to contexts made after it; the main one stays as it was.
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as Collect;
  } catch {
    collect = null;
  }
  return collect;
}

/** Count bytes a socket read into fresh memory; collect the young generation every few MiB. */
export function countFreshRead(bytes: number): void {
  stats.bytes += bytes;
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY_BYTES) return;
  sinceCollect = 0;
  const run = collector();
  if (!run) return;
  try {
    run({ type: 'minor' });
    stats.collections++;
  } catch {
    // A V8 that refuses the call: never again, and never out of a socket's read.
    collect = null;
  }
}

/** A 'data' listener that only counts: shared by every socket, so it costs none of them memory. */
export const countFreshChunk = (chunk: Uint8Array): void => countFreshRead(chunk.byteLength);

/** Bytes counted and collections made so far in this process, for tests. */
export function freshReadStats(): { bytes: number; collections: number } {
  return { ...stats };
}
