// A paste of many lines should not fire them all at the room by accident. Lines that arrive
// together (one read of the terminal: a person cannot press Enter that fast) are a paste; a
// paste of more than a few lines waits for a yes before it is sent. Typing goes line by line.

/** A paste of more lines than this asks first. */
export const PASTE_ASK_ABOVE_LINES = 3;

export interface PastedLinesOptions {
  send: (line: string) => void;
  /** Ask whether to send `count` pasted lines; the next line typed is the answer. */
  ask: (count: number) => void;
  answered: (sent: boolean, count: number) => void;
  /** Runs `callback` once the lines that came with this one have arrived. */
  defer?: (callback: () => void) => void;
  /**
   * Takes what stands unsubmitted on the input line off it. Asked when a paste waits for its
   * answer: a paste whose last line had no newline left that line there, and the answer typed
   * after it would join it.
   */
  unfinished?: () => string;
  askAboveLines?: number;
}

export class PastedLines {
  private batch: string[] = [];
  private pending: string[] | undefined;
  private readonly defer: (callback: () => void) => void;
  private readonly askAbove: number;

  constructor(private readonly options: PastedLinesOptions) {
    this.defer = options.defer ?? ((callback) => setImmediate(callback));
    this.askAbove = options.askAboveLines ?? PASTE_ASK_ABOVE_LINES;
  }

  /** Whether a paste waits for its answer. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  line(text: string): void {
    this.batch.push(text);
    if (this.batch.length === 1) this.defer(() => this.flush());
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (this.pending) {
      // More of a long paste (it came in several reads), or the answer typed alone.
      if (batch.length > 1) {
        this.pending.push(...batch, ...this.unfinished());
        this.options.ask(this.pending.length);
        return;
      }
      const lines = this.pending;
      this.pending = undefined;
      const yes = /^\s*y(es)?\s*$/i.test(batch[0]!);
      this.options.answered(yes, lines.length);
      if (yes) for (const line of lines) this.options.send(line);
      return;
    }
    if (batch.length > this.askAbove) {
      this.pending = [...batch, ...this.unfinished()];
      this.options.ask(this.pending.length);
      return;
    }
    for (const line of batch) this.options.send(line);
  }

  /** The paste's last line when it had no newline: none, or one. */
  private unfinished(): string[] {
    const rest = this.options.unfinished?.() ?? '';
    return rest === '' ? [] : [rest];
  }
}
