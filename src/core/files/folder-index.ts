// The index of a shared folder: each listed file by name, and the names in sorted order so that
// a LIST_FILES page is a binary search and a slice. A rescan updates it in place: a file that is
// unchanged keeps its entry, so a rescan of 100,000 files leaves little garbage behind (a new
// map of 100,000 fresh entries made every rescan cost scavenges of 20–40 ms), and the names are
// sorted again only where they changed — new names sorted in slices between rests, then merged.
import type { FileListing } from '../../protocol/files/file-lines.ts';

interface IndexedFile extends FileListing {
  /** The rescan that last saw it. */
  seenIn: number;
}

/** Names sorted in one go at most; more are sorted in slices of this many, resting between. */
const SORT_SLICE = 4096;
/** Names moved between rests while merging sorted slices. */
const MERGE_STEP = 32_768;

export class FolderIndex {
  private readonly files = new Map<string, IndexedFile>();
  /** The listed names in code-unit order: exactly the keys of `files`. */
  private sorted: string[] = [];
  private generation = 0;
  /** Names a running rescan found that were not indexed yet: entered into `sorted` when it ends. */
  private added: string[] | undefined;

  /** @param rest lets other work run (a timer's turn); a long sort rests between slices. */
  constructor(private readonly rest: () => Promise<void>) {}

  get size(): number {
    return this.files.size;
  }

  /** One page: the entries that sort after `after`, at most `limit` of them. */
  page(after: string | undefined, limit: number): { entries: FileListing[]; total: number; continueAfter?: string } {
    const names = this.sorted;
    const start = after === undefined ? 0 : firstAfter(names, after);
    const slice = names.slice(start, start + limit);
    const entries = slice.map((name) => this.files.get(name)!);
    const more = start + limit < names.length;
    return { entries, total: names.length, ...(more && { continueAfter: slice[slice.length - 1]! }) };
  }

  /** A file stored or found now: listed at once, and kept by a rescan that is running. */
  set(listing: FileListing): void {
    const known = this.files.has(listing.name);
    this.files.set(listing.name, { name: listing.name, size: listing.size, mtimeMs: listing.mtimeMs, seenIn: this.generation });
    // A name a running rescan found first is already in `files`, and waits in `added`.
    if (!known) insertSorted(this.sorted, listing.name);
  }

  delete(name: string): void {
    if (!this.files.delete(name)) return;
    const at = firstAtOrAfter(this.sorted, name);
    if (this.sorted[at] === name) this.sorted.splice(at, 1);
  }

  /** Start a rescan: report every file found with `found`, then `finish` removes the rest. */
  startRescan(): void {
    this.generation++;
    this.added = [];
  }

  /** A listed file the running rescan found. */
  found(listing: FileListing): void {
    const known = this.files.get(listing.name);
    if (known && known.size === listing.size && known.mtimeMs === listing.mtimeMs) {
      known.seenIn = this.generation;
      return;
    }
    this.files.set(listing.name, { name: listing.name, size: listing.size, mtimeMs: listing.mtimeMs, seenIn: this.generation });
    // A new name is listed once the rescan ends, when the sorted names take it in.
    if (!known) this.added!.push(listing.name);
  }

  /** The rescan is over: forget what it did not see, and list what it found new. */
  async finish(): Promise<void> {
    const added = await sortResting(this.added!, this.rest);
    this.added = undefined;
    // From here on nothing awaits: files set or deleted meanwhile are already in `files`.
    const generation = this.generation;
    let removed = false;
    for (const [name, file] of this.files) {
      if (file.seenIn !== generation) {
        this.files.delete(name);
        removed = true;
      }
    }
    if (added.length === 0 && !removed) return;
    this.sorted = mergeSorted(
      removed ? this.sorted.filter((name) => this.files.has(name)) : this.sorted,
      added.filter((name) => this.files.has(name)),
    );
  }
}

/** Sort `names` (code-unit order) in slices with a rest after each, then merge the slices. */
export async function sortResting(names: string[], rest: () => Promise<void>): Promise<string[]> {
  if (names.length <= SORT_SLICE) return names.sort();
  let runs: string[][] = [];
  for (let at = 0; at < names.length; at += SORT_SLICE) {
    runs.push(names.slice(at, at + SORT_SLICE).sort());
    await rest();
  }
  let moved = 0;
  while (runs.length > 1) {
    const next: string[][] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const pair = runs[i + 1];
      if (!pair) {
        next.push(runs[i]!);
        continue;
      }
      next.push(mergeSorted(runs[i]!, pair));
      moved += runs[i]!.length + pair.length;
      if (moved >= MERGE_STEP) {
        moved = 0;
        await rest();
      }
    }
    runs = next;
  }
  return runs[0]!;
}

/** One sorted array from two sorted arrays; a name in both is kept once. */
export function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) j++;
    out[k++] = x <= y ? a[i++]! : b[j++]!;
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  out.length = k;
  return out;
}

function insertSorted(names: string[], name: string): void {
  const at = firstAtOrAfter(names, name);
  if (names[at] !== name) names.splice(at, 0, name);
}

/** Index of the first name in sorted `names` that is ≥ `name`. */
function firstAtOrAfter(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! < name) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first name in sorted `names` that sorts after `after`. */
function firstAfter(names: readonly string[], after: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}
