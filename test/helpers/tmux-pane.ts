// A real terminal for end-to-end tests: tmux runs a command in a detached pane, the test types
// into it and reads the screen. One tmux server per test process and runtime (its own `-L`
// socket, no user config), so parallel test files and runtimes never see each other's panes.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI_RUNTIME, cliCommand } from './cli.ts';

function tmuxAvailable(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const HAS_TMUX = tmuxAvailable();
// The random part keeps two test files apart even if a pool runs them in one process.
const SOCKET = `netchat-test-${process.pid}-${CLI_RUNTIME}-${Math.random().toString(36).slice(2, 8)}`;
const DEFAULT_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

/** A tmux command on this process's own server; returns what it printed. */
export const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** One word for `sh`, whatever it holds. */
export const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/** The argv that runs `netchat <args>` under the runtime being tested. */
export function netchatArgv(args: string[]): string[] {
  const [command, prefix] = cliCommand();
  return [command, ...prefix, ...args];
}

export interface PaneOptions {
  /** Pane size in cells; 120×30 unless said. */
  width?: number;
  height?: number;
  /** Working directory of the shell in the pane. */
  cwd?: string;
  /** Read the scrollback too, not only the visible screen (for text that may scroll away). */
  scrollback?: boolean;
  /** How long a wait or an exit may take before the test fails with the screen. */
  timeoutMs?: number;
}

export interface TmuxPane {
  /** The tmux session name (for `tmux(..., '-t', pane.name)`). */
  readonly name: string;
  /** The screen as lines, trailing blanks trimmed. */
  screen(): string[];
  /** The screen as one string (the trimmed lines joined). */
  screenText(): string;
  /** Text as typed, taken literally. */
  type(text: string): void;
  /** A key by tmux name: `Enter`, `C-c`, `BSpace`… */
  key(key: string): void;
  title(): string;
  /** Whether the terminal shows its cursor (a program that hid it must show it again). */
  cursorVisible(): boolean;
  kill(): void;
  /** Whether the command has ended (its exit code is written). */
  exited(): boolean;
  /** Poll the screen until `test` holds; fail with the screen on timeout or if the command ended first. */
  waitFor(test: (lines: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  /** The same on the screen as one string; a RegExp is tested against it. */
  waitForText(test: RegExp | ((text: string) => boolean), what?: string, timeoutMs?: number): Promise<string>;
  /** Poll anything until it gives a value; fail with the screen on timeout. */
  until<T>(ready: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  /** The command's exit code, once it has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
}

let paneCount = 0;

/** `netchat <args>` in a fresh pane; `dir` holds the file its exit code is written to. */
export function openPane(args: string[], dir: string, options: PaneOptions = {}): TmuxPane {
  return openShellPane(netchatArgv(args).map(quote).join(' '), dir, options);
}

/** A shell command line in a fresh pane; `dir` holds the file its exit code is written to. */
export function openShellPane(shellLine: string, dir: string, options: PaneOptions = {}): TmuxPane {
  const { width = 120, height = 30, cwd, scrollback = false, timeoutMs: paneTimeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const name = `pane${++paneCount}`;
  const exitFile = path.join(dir, `${name}.exit`);
  // The pane stays open after the command so its last screen can still be read.
  const session = ['new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), ...(cwd ? ['-c', cwd] : [])];
  tmux(...session, `${shellLine}; echo $? > ${quote(exitFile)}; sleep 60`);

  const capture = ['capture-pane', '-p', '-J', ...(scrollback ? ['-S', '-'] : []), '-t', name];
  const screen = () => tmux(...capture).split('\n').map((line) => line.trimEnd());
  const exitText = () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : '');
  const exited = () => exitText() !== '';

  async function until<T>(ready: () => T | undefined, what: string, timeoutMs = paneTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`[${CLI_RUNTIME}] never saw ${what}; the screen:\n${screen().join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  const waitFor = (test: (lines: string[]) => boolean, what: string, timeoutMs?: number) =>
    until(
      () => {
        const ended = exited();
        // Read after checking the exit: a command that printed and then ended is seen whole.
        const lines = screen();
        if (test(lines)) return lines;
        if (ended) throw new Error(`[${CLI_RUNTIME}] the command ended before the screen showed ${what}:\n${lines.join('\n')}`);
        return undefined;
      },
      what,
      timeoutMs,
    );

  return {
    name,
    screen,
    screenText: () => screen().join('\n'),
    type: (text) => void tmux('send-keys', '-t', name, '-l', text),
    key: (key) => void tmux('send-keys', '-t', name, key),
    title: () => tmux('display-message', '-p', '-t', name, '#{pane_title}').trim(),
    cursorVisible: () => tmux('display-message', '-p', '-t', name, '#{cursor_flag}').trim() === '1',
    kill: () => void tmux('kill-session', '-t', name),
    exited,
    waitFor,
    async waitForText(test, what = String(test), timeoutMs) {
      const holds = typeof test === 'function' ? test : (text: string) => test.test(text);
      const lines = await waitFor((shown) => holds(shown.join('\n')), what, timeoutMs);
      return lines.join('\n');
    },
    until,
    exitCode: (timeoutMs) => until(() => (exited() ? Number(exitText()) : undefined), 'an exit', timeoutMs),
  };
}

/** For afterAll: ends this process's tmux server and every pane on it. */
export function closeTmux(): void {
  try {
    tmux('kill-server');
  } catch {
    // No session left: the server is gone already.
  }
}
