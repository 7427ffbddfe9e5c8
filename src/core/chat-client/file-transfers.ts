// Downloads and uploads started from inside the chat (/download, /upload). Each runs on its own
// connection with a one-time ticket from the chat connection, so the chat never waits for a
// file; several may run at once. It reports through one listener and never prints.
import type { FileStore, Runtime } from '../../runtime/types.ts';
import { downloadFile, type DownloadResult } from '../files-client/download-job.ts';
import { downloadFileUdp } from '../files-client/udp-download-job.ts';
import type { UdpTransferLimits } from '../udp-transfer/transfer-limits.ts';
import { TransferError } from '../files-client/transfer-connection.ts';
import { uploadFile, type UploadResult } from '../files-client/upload-job.ts';
import type { Clock } from '../shared/clock.ts';

export type TransferKind = 'download' | 'upload';

export type TransferEvent =
  | { type: 'transfer-start'; kind: TransferKind; name: string }
  /** The server runs as many of this user's transfers as it allows: this one starts when one of ours ends. */
  | { type: 'transfer-waiting'; kind: TransferKind; name: string }
  | { type: 'transfer-progress'; kind: TransferKind; name: string; bytes: number; total: number | undefined }
  | { type: 'download-done'; name: string; result: DownloadResult }
  | { type: 'upload-done'; name: string; result: UploadResult }
  | { type: 'transfer-failed'; kind: TransferKind; name: string; code: string; message: string };

export interface FileTransfersOptions {
  runtime: Pick<Runtime, 'connectTcp' | 'sha256' | 'bindUdp' | 'name' | 'aes256Gcm'>;
  /** The limits a UDP download receives with. */
  udpLimits: UdpTransferLimits;
  store: FileStore;
  clock: Clock;
  host: string;
  port: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Where downloads are saved (created when the first one starts). */
  downloadDir: string;
  /** A fresh ticket from the chat connection. */
  ticket: () => Promise<string>;
  onEvent: (event: TransferEvent) => void;
  /** The local file a typed path names (the command expands `~`); default: the path as typed. */
  localPath?: (typed: string) => string;
}

export class FileTransfers {
  private readonly running = new Set<Promise<void>>();
  private failures = 0;
  private idleWaiters: Array<() => void> = [];
  /** Transfers waiting for another to end before they ask the server again. */
  private endWaiters: Array<() => void> = [];
  /** How many of `running` are waiting so (they hold no slot on the server). */
  private waiting = 0;
  /** Downloads under way by the name asked for. */
  private readonly downloading = new Map<string, Promise<DownloadResult>>();
  /** Aborted by stop(): every transfer's connection closes. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: FileTransfersOptions) {}

  get active(): number {
    return this.running.size;
  }

  /** Transfers that failed so far. */
  get failed(): number {
    return this.failures;
  }

  /** Download `name`; over UDP (DOWNLOAD_UDP) when `udp`, else on a TCP transfer connection. */
  download(name: string, udp = false): void {
    this.run('download', name, async (onProgress) => {
      // The same file asked for again while it downloads: both would write one partial file.
      // The second waits for the first and reports its result.
      const under = this.downloading.get(name);
      if (under) {
        this.options.onEvent({ type: 'download-done', name, result: await under });
        return;
      }
      const request = { name, directory: this.options.downloadDir, onProgress };
      const download = udp
        ? downloadFileUdp({ ...this.options, limits: this.options.udpLimits }, this.target(), request)
        : downloadFile(this.options, this.target(), request);
      this.downloading.set(name, download);
      try {
        this.options.onEvent({ type: 'download-done', name, result: await download });
      } finally {
        this.downloading.delete(name);
      }
    });
  }

  upload(typed: string): void {
    const path = this.options.localPath?.(typed) ?? typed;
    const name = this.options.store.basename(path);
    this.run('upload', name, async (onProgress) => {
      const result = await uploadFile(this.options, this.target(), { source: { kind: 'file', path }, name, onProgress });
      this.options.onEvent({ type: 'upload-done', name, result });
    });
  }

  /**
   * Stop every transfer under way — the user is leaving — and resolve once all have ended. Each
   * is reported as failed with STOPPED; a download keeps its partial file, to be resumed by the
   * next /download of it. Transfers asked for afterwards stop at once.
   */
  stop(): Promise<void> {
    this.stopping.abort();
    // Those waiting for a slot of ours must not wait for ever.
    for (const wake of this.endWaiters.splice(0)) wake();
    return this.idle();
  }

  /** Resolves once no transfer runs (at once when none does). */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private target() {
    const { host, port, connectTimeoutMs, idleTimeoutMs, ticket } = this.options;
    return { host, port, connectTimeoutMs, idleTimeoutMs, ticket, signal: this.stopping.signal };
  }

  private run(kind: TransferKind, name: string, work: (onProgress: (bytes: number, total: number | undefined) => void) => Promise<void>): void {
    const { onEvent } = this.options;
    onEvent({ type: 'transfer-start', kind, name });
    const onProgress = (bytes: number, total: number | undefined) => onEvent({ type: 'transfer-progress', kind, name, bytes, total });
    const task = this.untilAdmitted(kind, name, () => work(onProgress))
      .catch((error: unknown) => {
        this.failures++;
        if (this.stopping.signal.aborted) {
          const message = kind === 'download' ? 'stopped; /download it again to go on from where it stopped' : 'stopped; nothing was stored';
          return onEvent({ type: 'transfer-failed', kind, name, code: 'STOPPED', message });
        }
        const code = error instanceof TransferError ? error.code : ((error as { code?: string }).code ?? 'TRANSFER_FAILED');
        onEvent({ type: 'transfer-failed', kind, name, code, message: (error as Error).message });
      })
      .finally(() => {
        this.running.delete(task);
        for (const wake of this.endWaiters.splice(0)) wake();
        if (this.running.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    this.running.add(task);
  }

  /**
   * Run `attempt`; when the server refuses it because this user already runs as many transfers as
   * it allows (TOO_MANY_TRANSFERS) and some of them are ours, ask again once one of ours has ended.
   * Nothing is written before the server admits a transfer, so asking again loses nothing.
   */
  private async untilAdmitted(kind: TransferKind, name: string, attempt: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        // Only another transfer that is not itself waiting can end and free a slot.
        const othersUnderWay = this.running.size - 1 - this.waiting;
        if (!(error instanceof TransferError && error.code === 'TOO_MANY_TRANSFERS') || othersUnderWay < 1) throw error;
        this.options.onEvent({ type: 'transfer-waiting', kind, name });
        this.waiting++;
        await new Promise<void>((resolve) => this.endWaiters.push(resolve));
        this.waiting--;
      }
    }
  }
}
