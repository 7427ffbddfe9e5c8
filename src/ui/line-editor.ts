// The interactive input line. Messages arrive while the user is typing; printing them must not
// garble what is being typed. So each message erases the prompt and the partial input (which
// may wrap over several rows), is written on its own line, and the prompt is redrawn with the
// partial input and the cursor exactly where they were. A resized window is redrawn the same
// way, measured at its new width (terminals re-wrap the rows they show), and a submitted line
// may be taken off the screen: `join` shows what it meant instead (`→ bob: hi`, not `/msg …`).
import readline from 'node:readline';

export interface LineEditorOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  prompt: string;
  /** Tab completion: the candidates for the line so far, and the part of it they replace. */
  completer?: (line: string) => [string[], string];
  /** Take each submitted line off the screen: for a session that shows what it meant instead. */
  eraseSubmitted?: boolean;
}

export interface LineEditorEvents {
  line: (text: string) => void;
  /** Ctrl+C on an empty line (with text typed, Ctrl+C clears it instead). */
  interrupt: () => void;
  /** Ctrl+D on an empty line, or the input ended. */
  end: () => void;
}

/** The readline internals the redraw depends on, present in Node's, Bun's and Deno's readline. */
interface ReadlineInternals {
  prevRows: number;
  line: string;
  cursor: number;
}

export class LineEditor {
  private readonly rl: readline.Interface;
  private readonly output: NodeJS.WritableStream;
  private closing = false;
  private readonly handlers: Partial<LineEditorEvents> = {};
  private readonly onResize = () => this.redraw();

  constructor(options: LineEditorOptions) {
    this.output = options.output;
    const before = new Set(this.output.listeners('resize'));
    this.rl = readline.createInterface({
      input: options.input,
      output: options.output,
      prompt: options.prompt,
      terminal: true,
      historySize: 200,
      ...(options.completer ? { completer: options.completer } : {}),
    });
    // readline's own redraw after a resize moves up as many rows as the input took at the old
    // width: wider, it erases a message above; narrower, it leaves part of the old prompt.
    for (const listener of this.output.listeners('resize')) {
      if (!before.has(listener)) this.output.off('resize', listener as () => void);
    }
    this.output.on('resize', this.onResize);
    this.rl.on('line', (text) => {
      if (!this.closing && options.eraseSubmitted) this.eraseSubmitted(text);
      this.handlers.line?.(text);
      if (!this.closing) this.rl.prompt();
    });
    // With a listener here, readline reports Ctrl+C instead of closing itself.
    this.rl.on('SIGINT', () => {
      if (this.internals.line !== '') this.clearInput();
      else this.handlers.interrupt?.();
    });
    this.rl.on('close', () => {
      this.output.off('resize', this.onResize);
      if (!this.closing) {
        this.closing = true;
        this.erase();
        this.handlers.end?.();
      }
    });
  }

  on<E extends keyof LineEditorEvents>(event: E, handler: LineEditorEvents[E]): this {
    (this.handlers as Record<string, unknown>)[event] = handler;
    return this;
  }

  start(): void {
    this.rl.prompt();
  }

  /** What is typed so far. */
  get input(): string {
    return this.internals.line;
  }

  /** Take what is typed so far off the input line, unsubmitted, and return it. */
  takeInput(): string {
    const text = this.internals.line;
    if (text !== '' && !this.closing) this.clearInput();
    return text;
  }

  /** Show `text` above the input line, keeping what is typed so far. */
  print(text: string): void {
    if (this.closing) {
      this.output.write(`${text}\n`);
      return;
    }
    this.erase();
    this.output.write(`${text}\n`);
    this.redrawHere();
  }

  /** Change the prompt (a new target, a connection status), keeping the input. */
  setPrompt(prompt: string): void {
    if (prompt === this.rl.getPrompt()) return;
    this.rl.setPrompt(prompt);
    if (this.closing) return;
    this.redraw();
  }

  /** Stop reading; the typed but unsent line is dropped and the cursor left on a fresh line. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.output.off('resize', this.onResize);
    this.erase();
    this.rl.close();
  }

  private get internals(): ReadlineInternals {
    return this.rl as unknown as ReadlineInternals;
  }

  /** Erase the prompt and input at the current width and draw them again. */
  private redraw(): void {
    if (this.closing) return;
    this.erase();
    this.redrawHere();
  }

  /** Draw prompt and input from the cursor, which is at the start of a fresh row. */
  private redrawHere(): void {
    // readline redraws by first moving up as many rows as the cursor was on when it last drew.
    // The input was just erased and the cursor is on a fresh row, so that must be 0 — Node
    // happens to leave it stale at 0 while typing at the end, Deno keeps it current.
    this.internals.prevRows = 0;
    this.rl.prompt(true);
  }

  /** Ctrl+C with text typed: the text goes, the prompt stays. */
  private clearInput(): void {
    this.erase();
    this.internals.line = '';
    this.internals.cursor = 0;
    this.redrawHere();
  }

  /** Clear the prompt and the input, from the row it starts on down. */
  private erase(): void {
    const { rows } = this.rl.getCursorPos();
    readline.moveCursor(this.output, 0, -rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
  }

  /**
   * After Enter the cursor is on the row below the submitted line: move up over the rows the
   * prompt and the line took (at the current width) and clear them.
   */
  private eraseSubmitted(text: string): void {
    const columns = (this.output as { columns?: number }).columns || 80;
    const width = displayWidth(this.rl.getPrompt()) + displayWidth(text);
    // As readline counts: a line that exactly fills a row puts the cursor on the next one.
    const rows = Math.floor(width / columns) + 1;
    readline.moveCursor(this.output, 0, -rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
  }
}

/** Columns `text` takes: escape sequences none, wide East Asian characters and emoji two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(/\x1b\[[\d;]*m/g, '')) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x300 && code <= 0x36f) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) continue;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x1f300 && code <= 0x1faff) ||
      (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}
