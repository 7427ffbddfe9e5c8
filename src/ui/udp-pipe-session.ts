// `netchat udp-join` when stdin is not a terminal: every input line is one message datagram,
// every datagram received is one line on stdout (or one JSON object with --json), and at the
// end of input the client leaves once its messages are out. No prompt, no colour. What the
// server sends reaches stdout and stderr only through display-safe.ts, as with `netchat join`.
import readline from 'node:readline';
import type { UdpChatClient, UdpCloseInfo } from '../core/udp-chat/udp-chat-client.ts';
import { submitUdpInput, udpHelpLines } from '../core/udp-chat/udp-input.ts';
import type { UdpServerEvent } from '../protocol/udp-chat/server-datagrams.ts';
import { UDP_FATAL_CODES, type UdpErrorCode } from '../protocol/udp-chat/udp-error-codes.ts';
import { eventJson } from './chat-format.ts';
import { displayLogger, jsonLine, onServerEvent } from './display-safe.ts';
import { pipeEndings, type SessionLogger } from './pipe-session.ts';

export interface UdpPipeOutputOptions {
  client: UdpChatClient;
  /** Writes one line of data (stdout). */
  writeLine: (line: string) => void;
  json: boolean;
  logger: SessionLogger;
  now?: () => Date;
}

export interface UdpPipeOutput {
  /** An error the client found itself (a refused input line). */
  localError(code: string, message: string): void;
  closed(close: UdpCloseInfo): void;
}

export interface UdpPipeSessionOptions {
  client: UdpChatClient;
  output: UdpPipeOutput;
  input: NodeJS.ReadableStream;
  logger: SessionLogger;
  /** Aborting leaves at once, dropping messages not yet sent. */
  signal: AbortSignal;
  /** At the end of input stay joined, printing messages, until the server goes or a signal. */
  stayAfterInput?: boolean;
}

export interface UdpSessionEnd {
  close: UdpCloseInfo;
  interrupted: boolean;
}

/** Things the client itself reports in --json output, next to the server's events. */
export type UdpLocalEvent =
  | { type: 'error'; code: string; message: string; local: true }
  | ({ type: 'closed' } & UdpCloseInfo);

/** Stop reading input while this many messages wait for the pacer. */
const HIGH_WATER_LINES = 256;

// Reported by the command on stderr, so that stdout holds only what users said and did.
const LIFECYCLE: ReadonlySet<UdpServerEvent['type']> = new Set(['welcome', 'goodbye', 'shutdown']);

/**
 * Print what the server sends: each datagram's text as one line, with what could drive a
 * terminal shown as U+FFFD, or one JSON object per event, its values exact and escaped. Server
 * errors go to stderr unless in JSON, made safe too.
 */
export function attachUdpPipeOutput(options: UdpPipeOutputOptions): UdpPipeOutput {
  const { client, json, writeLine } = options;
  const logger = displayLogger(options.logger);
  const now = options.now ?? (() => new Date());
  // eventJson only moves `type` and the time to the front: UDP events need nothing else.
  const writeJson = (event: UdpServerEvent | UdpLocalEvent) =>
    writeLine(jsonLine(eventJson(event as Parameters<typeof eventJson>[0], now())));
  // JSON escapes what it prints, so it gets the values exact.
  onServerEvent<UdpServerEvent>(client, (event, text) => {
    if (json) return writeJson(event);
    if (event.type === 'error') {
      // A refused name and the reason the server dropped us are the command's to report.
      if (client.name !== undefined && !UDP_FATAL_CODES.has(event.code as UdpErrorCode)) logger.error(`${event.code}: ${event.message}`);
    } else if (LIFECYCLE.has(event.type)) {
      logger.debug(text);
    } else {
      writeLine(text);
    }
  }, { raw: json });
  return pipeEndings<UdpCloseInfo>(json, writeJson, logger);
}

/** Send every input line; at the end of input leave once they are all sent. */
export async function runUdpPipeSession(options: UdpPipeSessionOptions): Promise<UdpSessionEnd> {
  const { client, output, logger } = options;
  let interrupted = false;
  let reading = true;
  let quitRequested = false;
  const rl = readline.createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  const stopReading = () => {
    if (!reading) return;
    reading = false;
    rl.close();
  };
  client.on('drain', () => {
    if (reading) rl.resume();
  });
  rl.on('line', (line) => {
    if (!reading) return;
    const result = submitUdpInput(client, line);
    if (result.kind === 'error') output.localError(result.code, result.message);
    else if (result.kind === 'local' && result.action === 'help') for (const help of udpHelpLines()) logger.info(help);
    else if (result.kind === 'local' && result.action === 'quit') {
      quitRequested = true;
      stopReading();
      void client.leave();
    }
    if (client.queuedLines >= HIGH_WATER_LINES) rl.pause();
  });
  rl.on('close', () => {
    reading = false;
    if (options.stayAfterInput && !quitRequested && !options.signal.aborted) {
      logger.debug('end of input: staying joined (--stay)');
      return;
    }
    void client.leave();
  });
  const onAbort = () => {
    interrupted = true;
    stopReading();
    void client.leave({ discardQueued: true });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const close = await client.closed;
  options.signal.removeEventListener('abort', onAbort);
  stopReading();
  output.closed(close);
  return { close, interrupted };
}
