// What a person (or a script) is told about transfers started from `join`: a line when one
// starts, its progress now and then with rate and time left, and its outcome in words that say
// where the file went and whether it was checked. Pure text; the session decides where it goes.
import type { TransferEvent, TransferKind } from '../core/chat-client/file-transfers.ts';
import { formatSize } from '../protocol/files/file-sizes.ts';
import type { Paint } from './chat-format.ts';
import { describeProgress, TransferRate } from './transfer-rate.ts';
import { displaySafe } from './display-safe.ts';

export interface TransferLine {
  text: string;
  /** An outcome that went wrong: shown as an error. */
  failed?: boolean;
}

const ARROW: Record<TransferKind, string> = { download: '↓', upload: '↑' };
/** A progress line per transfer at most this often. */
const PROGRESS_INTERVAL_MS = 2_000;

/** Turns transfer events into lines, keeping each transfer's rate and throttling its progress. */
export class TransferReport {
  private readonly rates = new Map<string, { rate: TransferRate; shownAt: number }>();

  constructor(
    private readonly paint: Paint,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The line for `event`, or undefined when nothing needs saying now. Names, codes and messages
   * may come from the server: the line holds them made safe for a terminal (display-safe.ts).
   */
  line(unsafe: TransferEvent): TransferLine | undefined {
    const event = displaySafe(unsafe);
    const { paint } = this;
    switch (event.type) {
      case 'transfer-start':
        this.rates.set(`${event.kind}:${event.name}`, { rate: new TransferRate(), shownAt: this.now() });
        return { text: paint('dim', `${ARROW[event.kind]} ${event.kind === 'download' ? 'downloading' : 'uploading'} ${event.name}…`) };
      case 'transfer-waiting':
        return { text: paint('dim', `${ARROW[event.kind]} ${event.name}: waiting until one of your transfers ends (the server's limit per user)`) };
      case 'transfer-progress': {
        const state = this.rates.get(`${event.kind}:${event.name}`);
        if (!state) return undefined;
        const at = this.now();
        state.rate.sample(at, event.bytes);
        if (at - state.shownAt < PROGRESS_INTERVAL_MS || event.bytes === event.total) return undefined;
        state.shownAt = at;
        return { text: paint('dim', `${ARROW[event.kind]} ${event.name}: ${describeProgress(event.bytes, event.total, state.rate)}`) };
      }
      case 'download-done': {
        this.rates.delete(`download:${event.name}`);
        const { result } = event;
        const size = formatSize(result.size);
        if (result.status === 'identical') return { text: paint('green', `✓ ${event.name}: ${result.path} is already there, identical (${size})`) };
        const resumed = result.resumedFrom > 0 ? `, resumed at ${formatSize(result.resumedFrom)}` : '';
        if (result.savedAs !== event.name) {
          return { text: paint('green', `✓ saved ${event.name} as ${result.path} (${size}, SHA-256 checked${resumed}): a different file already had its name`) };
        }
        return { text: paint('green', `✓ saved ${event.name} to ${result.path} (${size}, SHA-256 checked${resumed})`) };
      }
      case 'upload-done': {
        this.rates.delete(`upload:${event.name}`);
        const { result } = event;
        const as = result.storedAs === event.name ? '' : ` as ${result.storedAs} (the server already had a file named ${event.name})`;
        return { text: paint('green', `✓ shared ${event.name}${as} (${formatSize(result.size)}, SHA-256 checked)`) };
      }
      case 'transfer-failed':
        this.rates.delete(`${event.kind}:${event.name}`);
        return { text: paint('red', `✗ ${event.kind} of ${event.name} failed: ${event.code} ${event.message}`), failed: true };
    }
  }
}

/** The event as a JSON line's fields (`--json`): outcomes always, progress as it comes. */
export function transferJson(event: TransferEvent): Record<string, unknown> {
  switch (event.type) {
    case 'transfer-start':
      return { type: 'transfer-start', kind: event.kind, name: event.name };
    case 'transfer-waiting':
      return { type: 'transfer-waiting', kind: event.kind, name: event.name };
    case 'transfer-progress':
      return { type: 'progress', kind: event.kind, name: event.name, bytes: event.bytes, ...(event.total !== undefined && { total: event.total }) };
    case 'download-done':
      return { type: 'downloaded', name: event.name, ...event.result };
    case 'upload-done':
      return { type: 'uploaded', name: event.name, ...event.result };
    case 'transfer-failed':
      return { type: 'transfer-failed', kind: event.kind, name: event.name, code: event.code, message: event.message };
  }
}
