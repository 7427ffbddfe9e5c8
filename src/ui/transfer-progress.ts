// How a transfer shows its progress. In a terminal (stderr and stdin both terminals, no --json,
// no --quiet): clack's progress bar on stderr, with the rate and time left that clack does not
// compute. Otherwise a plain line on stderr now and then, or, under --json, progress events on
// stdout; with --quiet, nothing until the end.
import { progress as clackProgress } from '@clack/prompts';
import { describeProgress, percent, TransferRate } from './transfer-rate.ts';

export type ProgressStyle = 'bar' | 'lines' | 'json' | 'none';

export interface ProgressIo {
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** One JSON event per line, for --json. */
  writeJson: (event: Record<string, unknown>) => void;
  now?: () => number;
}

export interface TransferProgress {
  update(done: number, total: number | undefined): void;
  /** Remove the bar (or say nothing more); the caller reports the outcome itself. */
  stop(): void;
}

/** Plain progress lines at most this often: enough to see it move, not a log flood. */
const LINE_INTERVAL_MS = 2_000;
const JSON_INTERVAL_MS = 1_000;
/** The bar redraws at most this often. */
const BAR_INTERVAL_MS = 100;
/** The bar's width in cells (clack's default is 40). */
const BAR_CELLS = 30;

/**
 * `readsStdin`: the data itself comes from stdin. The bar puts a terminal stdin in raw mode,
 * where Enter arrives as CR and Ctrl+D as a byte instead of the end: typed data would be
 * corrupted and never end, so it gets plain lines instead.
 */
export function progressStyle(
  options: { json: boolean; quiet: boolean; readsStdin?: boolean },
  io: Pick<ProgressIo, 'stderr' | 'stdin'>,
): ProgressStyle {
  if (options.json) return 'json';
  if (options.quiet) return 'none';
  return io.stderr.isTTY && io.stdin.isTTY && !options.readsStdin ? 'bar' : 'lines';
}

export function startProgress(style: ProgressStyle, label: string, io: ProgressIo): TransferProgress {
  const now = io.now ?? (() => performance.now());
  const rate = new TransferRate();
  let lastShown = Number.NEGATIVE_INFINITY;
  if (style === 'none') return { update: () => {}, stop: () => {} };
  if (style === 'json' || style === 'lines') {
    const interval = style === 'json' ? JSON_INTERVAL_MS : LINE_INTERVAL_MS;
    // A plain line only once the transfer has run a while: a quick one needs none.
    if (style === 'lines') lastShown = now();
    let shownAny = false;
    return {
      update(done, total) {
        const at = now();
        rate.sample(at, done);
        const finished = done === total;
        if (at - lastShown < interval && !(finished && (shownAny || style === 'json'))) return;
        lastShown = at;
        shownAny = true;
        if (style === 'lines') io.stderr.write(`${label}: ${describeProgress(done, total, rate)}\n`);
        else {
          const speed = rate.bytesPerSecond;
          io.writeJson({ type: 'progress', name: label, bytes: done, ...(total !== undefined && { total }), ...(speed !== undefined && { bytesPerSecond: Math.round(speed) }) });
        }
      },
      stop: () => {},
    };
  }
  // clack's bar counts steps; a step per thousandth of the file keeps its arithmetic small.
  // No guide: clack draws its `│` line above the bar, and clear() would leave it behind.
  const bar = clackProgress({ output: io.stderr, input: io.stdin, max: 1000, size: BAR_CELLS, style: 'block', withGuide: false });
  let shownSteps = 0;
  bar.start(label);
  return {
    update(done, total) {
      const at = now();
      rate.sample(at, done);
      if (at - lastShown < BAR_INTERVAL_MS && done !== total) return;
      lastShown = at;
      const steps = total ? Math.min(1000, Math.floor((done / total) * 1000)) : 0;
      bar.advance(steps - shownSteps, `${label}  ${describeProgress(done, total, rate)}`);
      shownSteps = steps;
      if (total !== undefined && percent(done, total) === 100) lastShown = at;
    },
    stop() {
      bar.clear();
    },
  };
}
