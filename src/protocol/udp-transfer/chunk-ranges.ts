// The missing chunks in a receiver's feedback, as short text: comma-separated offsets from the
// feedback's `next` chunk, a single offset or an inclusive `first-last` pair, ascending and not
// overlapping. `0-2,17,40-41` after next=1000 means chunks 1000–1002, 1017 and 1040–1041.
// Offsets keep the numbers small (they are bounded by the window), so one line carries many
// ranges and a person reading it with `nc` sees where the holes are.

/** Chunks `start` up to, not including, `end` (absolute indices). */
export interface ChunkRange {
  start: number;
  end: number;
}

const ITEM = /^(\d{1,10})(?:-(\d{1,10}))?$/;

/** The text for `ranges` (sorted, disjoint, all at or after `base`), e.g. `0-2,17`. */
export function formatChunkRanges(base: number, ranges: readonly ChunkRange[]): string {
  return ranges
    .map(({ start, end }) => (end - start === 1 ? `${start - base}` : `${start - base}-${end - 1 - base}`))
    .join(',');
}

/** The length `formatChunkRanges` adds for one more range (with its comma if not the first). */
export function chunkRangeTextLength(base: number, range: ChunkRange, first: boolean): number {
  const startText = String(range.start - base).length;
  const rangeText = range.end - range.start === 1 ? startText : startText + 1 + String(range.end - 1 - base).length;
  return rangeText + (first ? 0 : 1);
}

/**
 * The ranges in `text` as absolute indices, or null when the text is not a valid list (a bad
 * item, descending or overlapping ranges, an end before its start). Never throws.
 */
export function parseChunkRanges(text: string, base: number): ChunkRange[] | null {
  if (text === '') return [];
  const ranges: ChunkRange[] = [];
  let floor = 0;
  for (const item of text.split(',')) {
    const match = ITEM.exec(item);
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || first < floor) return null;
    ranges.push({ start: base + first, end: base + last + 1 });
    floor = last + 1;
  }
  return ranges;
}
