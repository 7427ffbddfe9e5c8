// What every command shares: exit codes, argument groups, value parsing and the logger.
// Only commands print, prompt or set exit codes; the core returns values and emits events.
import type { ArgsDef } from 'citty';
import { createConsola, LogLevels, type ConsolaInstance, type ConsolaReporter } from 'consola';

import { nodeSmallTextFiles } from '../runtime/small-text-files.ts';
import { EXIT, UsageError } from './_exit.ts';

export { EXIT, UsageError };

export const logArgs = {
  verbose: { type: 'boolean', alias: ['v'], description: 'Log more detail (debug level)', default: false },
  quiet: { type: 'boolean', alias: ['q'], description: 'Log only warnings and errors', default: false },
} as const satisfies ArgsDef;

/** The arguments every chat client shares (`join`, `udp-join`): who, where, and how to print. */
export function chatClientArgs(defaults: { host: string; port: number }) {
  return {
    name: { type: 'positional', required: false, description: 'Your user name (asked for in a terminal)', valueHint: 'name' },
    host: { type: 'positional', required: false, description: `Server address, or HOST:PORT, [IPv6]:PORT (default ${defaults.host})` },
    port: { type: 'positional', required: false, description: `Server port (default ${defaults.port})` },
    json: { type: 'boolean', alias: ['j'], description: 'Print one JSON object per event on stdout; never prompts', default: false },
    stay: {
      type: 'boolean',
      description: 'Without a terminal: stay joined after the end of input, printing messages until the server goes or a signal',
      default: false,
    },
  } as const satisfies ArgsDef;
}

export const hostArg = {
  host: { type: 'string', description: 'Address to listen on, or ADDRESS:PORT, [IPv6]:PORT (default 0.0.0.0)', valueHint: 'address' },
} as const satisfies ArgsDef;

/** A TCP/UDP port from a flag or positional; `allowZero` permits asking the OS for a free one. */
export function parsePort(value: unknown, option: string, allowZero = true): number {
  const text = String(value ?? '').trim();
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`${option} must be a port number from ${allowZero ? 0 : 1} to 65535, got "${text}"`);
  }
  return port;
}

/** A whole number ≥ `min` from a flag; undefined when the flag was not given. */
export function parseCount(value: unknown, option: string, min = 0): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < min) {
    throw new UsageError(`${option} must be a whole number ≥ ${min}, got "${text}"`);
  }
  return count;
}

/** Duration flag in seconds (fractions allowed) → milliseconds. */
export function parseSeconds(value: unknown, option: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(seconds)) throw new UsageError(`${option} must be a number of seconds, got "${text}"`);
  const ms = Math.round(seconds * 1000);
  // Timers wait at most 2^31 - 1 ms: past that, Node, Bun and Deno fire them at once.
  if (ms > MAX_TIMER_MS) throw new UsageError(`${option} must be at most ${Math.floor(MAX_TIMER_MS / 1000)} seconds (about 24 days), got "${text}"`);
  return ms;
}

/** The longest a timer can wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A decimal number ≥ 0 from a flag (e.g. a rate); undefined when the flag was not given. */
export function parseDecimal(value: unknown, option: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  const number = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number)) throw new UsageError(`${option} must be a number ≥ 0, got "${text}"`);
  return number;
}

/** Size flag: bytes, or with a k/m suffix (KiB, MiB). */
export function parseBytes(value: unknown, option: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  const match = /^(\d+)([kKmMgG]i?[bB]?)?$/.exec(text);
  if (!match) throw new UsageError(`${option} must be a size in bytes (e.g. 4096, 64k, 1m, 2g), got "${text}"`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Number(match[1]) * scale;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${option} is too large, got "${text}"`);
  return bytes;
}

/**
 * Logs go to stderr, always: stdout carries only data. With `timestamps` (a server's log), each
 * line starts with the time when stderr is not a terminal: a log file or a journal is read later.
 */
export function createLogger(args: { verbose?: boolean; quiet?: boolean }, options: { timestamps?: boolean } = {}): ConsolaInstance {
  const level = args.quiet ? LogLevels.warn : args.verbose ? LogLevels.debug : LogLevels.info;
  const stamped = options.timestamps === true && !process.stderr.isTTY;
  const reporters = stamped ? { reporters: [timestampedReporter((text) => process.stderr.write(text))] } : {};
  return createConsola({ level, stdout: process.stderr, stderr: process.stderr, ...reporters });
}

/** One log line: `2026-12-01T14:02:07.123Z info  message`, the time in UTC as logs have it. */
export function timestampedReporter(write: (text: string) => void): ConsolaReporter {
  return {
    log: (entry) => {
      const message = entry.args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(' ');
      write(`${entry.date.toISOString()} ${entry.type.padEnd(5)} ${message}\n`);
    },
  };
}

/** Run `handler` once on the first SIGINT or SIGTERM. */
export function onShutdownSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void {
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    handler(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** A file given on the command line that cannot be used: exit 2, naming the flag. */
export async function readFlagFile(flag: string, path: string, maxBytes: number): Promise<string> {
  let text: string | undefined;
  try {
    text = await nodeSmallTextFiles.read(path, maxBytes);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text === undefined) throw new UsageError(`${flag} ${path}: no such file`);
  return text;
}
