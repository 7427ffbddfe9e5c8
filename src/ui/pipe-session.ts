// `netchat join` when stdin is not a terminal: every input line is sent (plain text as a
// broadcast, `/…` as a command), every message received is one line on stdout, and at the end
// of input the client leaves with the flush guarantee. No prompt, no colour, no spinner.
import readline from 'node:readline';
import type { CloseInfo } from '../core/chat-client/chat-client.ts';
import type { ChatSessionClient } from '../core/chat-client/reconnecting-client.ts';
import type { FileTransfers } from '../core/chat-client/file-transfers.ts';
import { helpLines, submitInput, type ChatTarget } from '../core/chat-client/slash-commands.ts';
import { FATAL_ERROR_CODES, type ErrorCode } from '../protocol/chat/error-codes.ts';
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import { clientLine } from '../protocol/chat/chat-lines.ts';
import { eventJson, type LocalEvent } from './chat-format.ts';
import { OrderedLocalErrors } from './ordered-local-errors.ts';
import { displayLogger, jsonLine, onServerEvent } from './display-safe.ts';
import { isForeignLine } from './foreign-server.ts';

export interface SessionLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface PipeOutputOptions {
  client: ChatSessionClient;
  /** Writes one line of data (stdout). */
  writeLine: (line: string) => void;
  json: boolean;
  /** Plain output only: print the server's lines as received, control characters and all. */
  raw?: boolean;
  logger: SessionLogger;
  now?: () => Date;
}

export interface PipeOutput {
  /** An error the client found itself (a refused input line), printed after the replies to the lines before it. */
  localError(code: string, message: string): void;
  /** A line from the input went to the server. */
  lineSent(): void;
  closed(close: CloseInfo): void;
  /** Input lines refused, by the client or by the server (`/msg nobody …`): the exit code says so. */
  readonly refused: number;
}

/**
 * How a pipe session reports what the client itself found and how it ended: on stderr, or as
 * `error` and `closed` JSON events. Shared by `join` and `udp-join`.
 */
export function pipeEndings<Close extends object>(
  json: boolean,
  writeJson: (event: { type: 'error'; code: string; message: string; local: true } | ({ type: 'closed' } & Close)) => void,
  logger: Pick<SessionLogger, 'error'>,
): { localError(code: string, message: string): void; closed(close: Close): void } {
  return {
    localError: (code, message) => {
      if (json) writeJson({ type: 'error', code, message, local: true });
      else logger.error(`${code}: ${message}`);
    },
    closed: (close) => {
      if (json) writeJson({ type: 'closed', ...close });
    },
  };
}

export interface PipeSessionOptions {
  client: ChatSessionClient;
  output: PipeOutput;
  input: NodeJS.ReadableStream;
  logger: SessionLogger;
  /** Aborting leaves at once, dropping lines not yet sent. */
  signal: AbortSignal;
  /** At the end of input stay joined, printing messages, until the server closes or a signal. */
  stayAfterInput?: boolean;
  /** Runs /download and /upload; at the end of input the client leaves once they are done. */
  transfers: Pick<FileTransfers, 'download' | 'upload' | 'idle' | 'stop'>;
  /** `/download` without `--udp`/`--tcp` uses UDP (join --udp). */
  udpByDefault?: boolean;
}

export interface SessionEnd {
  close: CloseInfo;
  interrupted: boolean;
}

/** Stop reading input while this many lines wait for the pacer; a huge file then costs no memory. */
const HIGH_WATER_LINES = 256;

// Lifecycle lines are reported by the command on stderr, so stdout holds only messages.
const LIFECYCLE: ReadonlySet<ServerEvent['type']> = new Set(['greeting', 'welcome', 'goodbye', 'shutdown', 'login-hint', 'logged-in', 'password-accepted']);

/**
 * Print what the server sends, from the moment of connecting: the server's own line, greppable,
 * with what could drive a terminal shown as U+FFFD (as received with `raw`), or one JSON object
 * per event. Server errors go to stderr unless in JSON; stderr is never raw.
 */
export function attachPipeOutput(options: PipeOutputOptions): PipeOutput {
  const { client, json, writeLine } = options;
  const logger = displayLogger(options.logger);
  const now = options.now ?? (() => new Date());
  const writeJson = (event: ServerEvent | LocalEvent) => writeLine(jsonLine(eventJson(event, now())));
  const endings = pipeEndings<CloseInfo>(json, writeJson, logger);
  const order = new OrderedLocalErrors(() => client.send(clientLine.limits()).ok);
  let refused = 0;
  // JSON escapes what it prints, so it gets the values exact.
  onServerEvent<ServerEvent>(client, (event, line) => {
    // What a server that is not netchat said: the command reports it as NOT_NETCHAT.
    if (client.name === undefined && isForeignLine(event, line)) return;
    // The answer to a barrier of OrderedLocalErrors, not to anything in the input.
    if (event.type === 'limits' && client.name !== undefined && order.answered()) return;
    // A fatal error is the reason for the close that follows, and a refused JOIN is the reason
    // for the exit: the command reports those. Others refuse a line of the input.
    const refusal = event.type === 'error' && client.name !== undefined && !FATAL_ERROR_CODES.has(event.code as ErrorCode);
    if (refusal) refused++;
    if (json) return writeJson(event);
    if (event.type === 'error') {
      if (refusal) logger.error(`${event.code}: ${event.message}`);
    } else if (LIFECYCLE.has(event.type)) {
      logger.debug(line);
    } else {
      writeLine(line);
    }
  }, { raw: json || options.raw === true });
  return {
    localError: (code, message) => {
      refused++;
      order.report(() => endings.localError(code, message));
    },
    lineSent: () => order.lineSent(),
    closed: (close) => {
      order.flush();
      endings.closed(close);
    },
    get refused() {
      return refused;
    },
  };
}

/** Send every input line; at the end of input leave, so that all of them are delivered. */
export async function runPipeSession(options: PipeSessionOptions): Promise<SessionEnd> {
  const { client, output, logger } = options;
  let interrupted = false;
  const rl = readline.createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  let reading = true;
  let quitRequested = false;
  let target: ChatTarget | undefined;
  const stopReading = () => {
    if (!reading) return;
    reading = false;
    rl.close();
  };
  client.on('drain', () => {
    if (reading) rl.resume();
  });
  rl.on('line', (text) => {
    if (!reading) return;
    const result = submitInput(client, text, target);
    if (result.kind === 'sent') output.lineSent();
    else if (result.kind === 'error') output.localError(result.code, result.message);
    else if (result.kind === 'local' && result.action === 'help') {
      for (const line of helpLines()) logger.info(line);
    } else if (result.kind === 'local' && result.action === 'quit') {
      quitRequested = true;
      stopReading();
      void options.transfers.idle().then(() => client.leave({ reason: result.reason }));
    } else if (result.kind === 'local' && result.action === 'download') options.transfers.download(result.name, result.udp ?? options.udpByDefault ?? false);
    else if (result.kind === 'local' && result.action === 'upload') options.transfers.upload(result.path);
    // /query and /switch: later plain lines go there, as in a terminal.
    else if (result.kind === 'local' && result.action === 'target') target = result.target;
    if (client.queuedLines >= HIGH_WATER_LINES) rl.pause();
  });
  // End of input (or /quit): everything read is queued; leave() sends QUIT after it. A watcher
  // (--stay) keeps listening instead, so it needs no never-ending input.
  rl.on('close', () => {
    reading = false;
    if (options.stayAfterInput && !quitRequested && !options.signal.aborted) {
      logger.debug('end of input: staying joined (--stay)');
      return;
    }
    // Transfers started from the input finish first: a script's /download is not cut short.
    void options.transfers.idle().then(() => client.leave());
  });
  const onAbort = () => {
    interrupted = true;
    stopReading();
    // Interrupted: transfers stop too (a download keeps its partial file; they are waited for below).
    void options.transfers.stop();
    void client.leave({ discardQueued: true });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const close = await client.closed;
  options.signal.removeEventListener('abort', onAbort);
  stopReading();
  // Transfers still running when the chat ends (the server went away) end with it, reported
  // before the `closed` line that is always the last.
  await options.transfers.stop();
  output.closed(close);
  return { close, interrupted };
}
