// Small statistics and table helpers shared by the benchmark scripts.

/** Nearest-rank percentile (p in 0..100) of numbers; NaN for none. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Format a number for a table: thousands separators for big ones, `digits` decimals for small ones. */
export function fmt(value, digits = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  if (typeof value !== 'number') return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** A Markdown table (also readable as plain text) from a header row and data rows. */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

// Latency histogram with buckets 1 % wide (log scale, 1 µs to about 10 min), so that several
// load processes can each count their own latencies and the benchmark merges them before
// taking percentiles. Percentiles are the upper edge of their bucket: at most 1 % high.
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 2100;

export class LatencyHistogram {
  counts = new Float64Array(BUCKETS);
  total = 0;

  addMs(ms) {
    const micros = ms * 1000;
    const index = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    this.counts[index]++;
    this.total++;
  }

  /** The non-empty buckets as [index, count] pairs, for a JSON report. */
  toJSON() {
    const pairs = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) pairs.push([i, this.counts[i]]);
    return pairs;
  }

  /** Add the buckets of another histogram's toJSON(). */
  merge(pairs) {
    for (const [index, count] of pairs) {
      this.counts[index] += count;
      this.total += count;
    }
  }

  /** Nearest-rank percentile (p in 0..100) in milliseconds; NaN when empty. */
  percentileMs(p) {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return GROWTH ** i / 1000;
    }
    return Number.NaN;
  }
}
