// The interactive input line. Messages arrive while the user is typing; printing them must not
// garble what is being typed. So each message erases the prompt and the partial input (which
// may wrap over several rows), is written on its own line, and the prompt is redrawn with the
// partial input and the cursor exactly where they were.
import readline from 'node:readline';

export interface LineEditorOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  prompt: string;
}

export interface LineEditorEvents {
  line: (text: string) => void;
  /** Ctrl+C. */
  interrupt: () => void;
  /** Ctrl+D on an empty line, or the input ended. */
  end: () => void;
}

export class LineEditor {
  private readonly rl: readline.Interface;
  private readonly output: NodeJS.WritableStream;
  private closing = false;
  private readonly handlers: Partial<LineEditorEvents> = {};

  constructor(options: LineEditorOptions) {
    this.output = options.output;
    this.rl = readline.createInterface({
      input: options.input,
      output: options.output,
      prompt: options.prompt,
      terminal: true,
      historySize: 200,
    });
    this.rl.on('line', (text) => {
      this.handlers.line?.(text);
      if (!this.closing) this.rl.prompt();
    });
    // With a listener here, readline reports Ctrl+C instead of closing itself.
    this.rl.on('SIGINT', () => this.handlers.interrupt?.());
    this.rl.on('close', () => {
      if (!this.closing) {
        this.closing = true;
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

  /** Show `text` above the input line, keeping what is typed so far. */
  print(text: string): void {
    if (this.closing) {
      this.output.write(`${text}\n`);
      return;
    }
    this.erase();
    this.output.write(`${text}\n`);
    // readline redraws by first moving up as many rows as the cursor was on when it last drew.
    // The input was just erased and the cursor is on a fresh row, so that must be 0 — Node
    // happens to leave it stale at 0 while typing at the end, Deno keeps it current.
    (this.rl as unknown as { prevRows: number }).prevRows = 0;
    this.rl.prompt(true);
  }

  /** Stop reading; the typed but unsent line is dropped and the cursor left on a fresh line. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.erase();
    this.rl.close();
  }

  /** Clear the prompt and the input, from the row it starts on down. */
  private erase(): void {
    const { rows } = this.rl.getCursorPos();
    readline.moveCursor(this.output, 0, -rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
  }
}
