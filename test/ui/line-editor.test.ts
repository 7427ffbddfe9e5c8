// The line editor on a fake terminal: a TTY-like input the test types into, and an output whose
// escape sequences are played onto a small screen model, so the test reads what a person sees.
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LineEditor } from '../../src/ui/line-editor.ts';

const COLUMNS = 40;

/** The part of a VT100 that readline uses: printable text, CR, LF, cursor moves, erase down. */
class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;

  play(text: string): void {
    const pattern = /\x1b\[([?\d;]*)([A-Za-z])|([\s\S])/g;
    for (const [, params = '', command, char] of text.matchAll(pattern)) {
      if (char !== undefined) this.put(char);
      else this.csi(params, command!);
    }
  }

  /** The screen's text, trailing blank rows and spaces dropped. */
  lines(): string[] {
    const lines = this.rows.map((row) => row.map((c) => c ?? ' ').join('').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  private put(char: string): void {
    if (char === '\r') this.col = 0;
    else if (char === '\n') this.moveTo(this.row + 1, 0);
    else {
      if (this.col >= COLUMNS) this.moveTo(this.row + 1, 0); // the terminal wraps
      this.line()[this.col++] = char;
    }
  }

  private csi(params: string, command: string): void {
    const n = Number(params || 1);
    switch (command) {
      case 'A':
        return this.moveTo(Math.max(0, this.row - n), this.col);
      case 'B':
        return this.moveTo(this.row + n, this.col);
      case 'C':
        this.col = Math.min(COLUMNS - 1, this.col + n);
        return;
      case 'D':
        this.col = Math.max(0, this.col - n);
        return;
      case 'G':
        this.col = n - 1;
        return;
      case 'J': // from the cursor to the end of the screen
        this.line().length = Math.min(this.line().length, this.col);
        this.rows.length = this.row + 1;
        return;
      case 'K':
        this.line().length = Math.min(this.line().length, this.col);
        return;
    }
  }

  private moveTo(row: number, col: number): void {
    this.row = row;
    this.col = col;
    while (this.rows.length <= row) this.rows.push([]);
  }

  private line(): string[] {
    return this.rows[this.row]!;
  }
}

/** A keyboard and a screen around a LineEditor, as a terminal would give it. */
function terminal(options: { eraseSubmitted?: boolean } = {}) {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  const screen = new Screen();
  const output = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        screen.play(chunk.toString('utf8'));
        done();
      },
    }),
    { isTTY: true, columns: COLUMNS, rows: 24 },
  );
  const editor = new LineEditor({ input, output, prompt: 'me> ', ...options });
  const lines: string[] = [];
  const events: string[] = [];
  editor.on('line', (text) => lines.push(text));
  editor.on('interrupt', () => events.push('interrupt'));
  editor.on('end', () => events.push('end'));
  return {
    editor,
    screen,
    lines,
    events,
    /** Keys as a person types them, one read each; resolves once readline has handled them. */
    async type(keys: string): Promise<void> {
      // One key per read: readline takes a read of several characters for pasted text.
      for (const [key] of keys.matchAll(/\x1b\[[A-Z]|[\s\S]/g)) {
        input.write(key);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

const LEFT = '\x1b[D';
const editors: LineEditor[] = [];
afterEach(() => {
  for (const editor of editors.splice(0)) editor.close();
});

function open(options: { eraseSubmitted?: boolean } = {}) {
  const t = terminal(options);
  editors.push(t.editor);
  t.editor.start();
  return t;
}

describe('LineEditor', () => {
  it('shows the prompt and hands over each line entered', async () => {
    const t = open();
    expect(t.screen.lines()).toEqual(['me>']);
    await t.type('hello\r');
    expect(t.lines).toEqual(['hello']);
    expect(t.screen.lines().at(-1)).toBe('me>');
  });

  it('prints a message above the prompt and keeps the partly typed line and the cursor', async () => {
    const t = open();
    await t.type('hello wor');
    t.editor.print('bob: hi');
    expect(t.screen.lines()).toEqual(['bob: hi', 'me> hello wor']);
    expect([t.screen.row, t.screen.col]).toEqual([1, 'me> hello wor'.length]);
    await t.type('ld\r');
    expect(t.lines).toEqual(['hello world']);
  });

  it('keeps the cursor inside the line where it was', async () => {
    const t = open();
    await t.type(`abcdef${LEFT}${LEFT}${LEFT}`);
    t.editor.print('first');
    t.editor.print('second');
    expect(t.screen.lines()).toEqual(['first', 'second', 'me> abcdef']);
    await t.type('X\r');
    expect(t.lines).toEqual(['abcXdef']);
  });

  it('keeps a typed line that wraps over several rows', async () => {
    const t = open();
    const long = 'x'.repeat(COLUMNS + 10);
    await t.type(long);
    t.editor.print('news');
    expect(t.screen.lines().join('')).toBe(`news${`me> ${long}`}`);
    expect(t.screen.lines()[0]).toBe('news');
    await t.type('\r');
    expect(t.lines).toEqual([long]);
  });

  it('reports Ctrl+C as interrupt, and Ctrl+D on an empty line as the end', async () => {
    const t = open();
    await t.type('\x03');
    expect(t.events).toEqual(['interrupt']);
    await t.type('\x04');
    expect(t.events).toEqual(['interrupt', 'end']);
  });

  it('clears typed text on the first Ctrl+C and reports the second', async () => {
    const t = open();
    await t.type(`half typed${LEFT}${LEFT}`);
    await t.type('\x03');
    expect(t.events).toEqual([]);
    expect(t.editor.input).toBe('');
    expect(t.screen.lines()).toEqual(['me>']);
    await t.type('\x03');
    expect(t.events).toEqual(['interrupt']);
  });

  it('keeps a submitted line on the screen unless asked to take it off', async () => {
    const t = open();
    await t.type('kept\r');
    expect(t.screen.lines()).toEqual(['me> kept', 'me>']);
  });

  it('takes a submitted line off the screen, however many rows it took', async () => {
    const t = open({ eraseSubmitted: true });
    t.editor.print('before');
    t.editor.on('line', (text) => t.editor.print(`said: ${text.length}`));
    await t.type('short\r');
    const long = 'y'.repeat(COLUMNS * 2 - 'me> '.length);
    await t.type(`${long}\r`);
    expect(t.screen.lines()).toEqual(['before', 'said: 5', `said: ${long.length}`, 'me>']);
  });

  it('leaves nothing of the prompt on the screen after Ctrl+D', async () => {
    const t = open();
    t.editor.print('last message');
    await t.type('\x04');
    expect(t.events).toEqual(['end']);
    expect(t.screen.lines()).toEqual(['last message']);
  });

  it('changes the prompt in place, keeping the input', async () => {
    const t = open();
    await t.type('draft');
    t.editor.setPrompt('me→bob> ');
    expect(t.screen.lines()).toEqual(['me→bob> draft']);
    await t.type('\r');
    expect(t.lines).toEqual(['draft']);
  });

  it('after close, prints plain lines and drops the unsent input', async () => {
    const t = open();
    await t.type('unsent');
    t.editor.close();
    t.editor.print('goodbye');
    expect(t.screen.lines()).toEqual(['goodbye']);
    expect(t.events).toEqual([]);
  });
});
