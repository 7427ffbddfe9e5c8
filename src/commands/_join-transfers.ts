// `join`'s /download and /upload: the transfers runner, wired to the runtime, and its reports
// sent where the mode wants them — above the prompt in a terminal, as log lines on stderr in a
// pipe, as JSON events on stdout with --json.
import { homedir } from 'node:os';
import type { ChatSessionClient } from '../core/chat-client/reconnecting-client.ts';
import { FileTransfers, type TransferEvent } from '../core/chat-client/file-transfers.ts';
import { systemClock } from '../core/shared/clock.ts';
import { DEFAULT_UDP_TRANSFER_LIMITS } from '../core/udp-transfer/transfer-limits.ts';
import { getRuntime, type Runtime } from '../runtime/index.ts';
import { eventJson, type Paint } from '../ui/chat-format.ts';
import { jsonLine } from '../ui/display-safe.ts';
import type { TerminalPrinter } from '../ui/terminal-session.ts';
import { TransferReport, transferJson } from '../ui/transfer-report.ts';

/** A transfer that moves nothing for this long is given up (the server drops it at 60 s too). */
const TRANSFER_IDLE_TIMEOUT_MS = 60_000;
/** JSON progress events per transfer at most this often. */
const JSON_PROGRESS_INTERVAL_MS = 1_000;

export interface JoinTransfersOptions {
  client: Pick<ChatSessionClient, 'requestTicket'>;
  /** The runtime the chat connected through (its TLS checks included); default the plain one. */
  runtime?: Runtime;
  host: string;
  port: number;
  connectTimeoutMs: number;
  downloadDir: string;
  mode: 'terminal' | 'plain' | 'json';
  paint: Paint;
  /** Log lines on stderr (made safe for a terminal by the caller). */
  logger: { info(message: string): void; error(message: string): void };
  /** One line of data on stdout (JSON events). */
  writeLine: (line: string) => void;
}

export interface JoinTransfers {
  transfers: FileTransfers;
  /** Where terminal-mode lines go, once the terminal session has its line editor. */
  setPrinter(printer: TerminalPrinter): void;
}

export function joinTransfers(options: JoinTransfersOptions): JoinTransfers {
  const runtime = options.runtime ?? getRuntime();
  const report = new TransferReport(options.paint);
  let printer: TerminalPrinter | undefined;
  const jsonShownAt = new Map<string, number>();
  const onEvent = (event: TransferEvent) => {
    if (options.mode === 'json') {
      if (event.type === 'transfer-progress') {
        const key = `${event.kind}:${event.name}`;
        const now = performance.now();
        if (now - (jsonShownAt.get(key) ?? Number.NEGATIVE_INFINITY) < JSON_PROGRESS_INTERVAL_MS && event.bytes !== event.total) return;
        jsonShownAt.set(key, now);
      }
      options.writeLine(jsonLine(eventJson(transferJson(event), new Date())));
      return;
    }
    const line = report.line(event);
    if (!line) return;
    if (options.mode === 'terminal') printer?.print(line.text);
    else if (line.failed) options.logger.error(line.text);
    else options.logger.info(line.text);
  };
  const transfers = new FileTransfers({
    runtime,
    store: runtime.files,
    clock: systemClock,
    host: options.host,
    port: options.port,
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: TRANSFER_IDLE_TIMEOUT_MS,
    downloadDir: options.downloadDir,
    udpLimits: DEFAULT_UDP_TRANSFER_LIMITS,
    ticket: () => options.client.requestTicket(),
    onEvent,
    // `/upload ~/notes.txt`, as a shell would take it.
    localPath: (typed) => (typed === '~' || typed.startsWith('~/') ? homedir() + typed.slice(1) : typed),
  });
  return { transfers, setPrinter: (next) => (printer = next) };
}
