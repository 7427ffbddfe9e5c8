// File sharing as the chat server offers it: the shared folder, the transfer limits, the
// tickets for transfers beside the chat, and what a connection does while it moves a file.
// The command handlers (file-commands.ts) call this; it knows a connection only as a
// `TransferSession`, never its transport.
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import { fileServerLine } from '../../protocol/files/file-lines.ts';
import { formatSize } from '../../protocol/files/file-sizes.ts';
import { parseDownloadUdpArgs } from '../../protocol/files/file-lines.ts';
import { parseTransferRequestOptions } from '../../protocol/udp-transfer/transfer-request.ts';
import type { FileStore, Runtime, Sha256 } from '../../runtime/types.ts';
import { readerSource } from '../udp-transfer/file-adapters.ts';
import { UdpSendService, type SendServiceOptions } from '../udp-transfer/send-service.ts';
import type { ControlChannel } from '../udp-transfer/transfer-io.ts';
import { resolveUdpTransferLimits, type UdpTransferLimits } from '../udp-transfer/transfer-limits.ts';
import type { RawOutput } from '../links/line-link.ts';
import type { Clock } from '../shared/clock.ts';
import { randomHex as secureRandomHex } from '../shared/random-hex.ts';
import { resolveFilesLimits, type FilesLimits } from './files-limits.ts';
import { IncomingUpload, type UploadRequest } from './incoming-upload.ts';
import { prepareDownload, streamDownload, type ByteSink, type DownloadOutcome } from './outgoing-download.ts';
import { SharedFolder } from './shared-folder.ts';
import { TransferSlots } from './transfer-slots.ts';
import { TransferTickets } from './transfer-tickets.ts';
import { UPLOAD_READ_BUFFER_BYTES, UploadIntake, type IntakeConnection } from './upload-intake.ts';

/** What a file transfer needs of the connection it runs on. */
export interface TransferSession extends IntakeConnection {
  /** Who the transfer counts against: a user's name, or for a guest undefined (the address counts). */
  readonly transferOwner: string | undefined;
  readonly remoteAddress: string;
  readonly writable: boolean;
  /** Bytes queued on the connection; 0 once the system has taken everything written. */
  readonly pendingOutputBytes?: number;
  reply(line: string): void;
  /** Write `header` after everything queued, then hand out raw output until its `end()`. */
  startRawOutput(header: string, onDrain: () => void): RawOutput;
  /**
   * Every byte after the current line goes to `sink`; true when the connection reads into one
   * buffer of `readBufferBytes` from now on, so chunks are borrowed (see LineLink.startRawInput).
   */
  startRawInput(sink: UploadIntake, readBufferBytes: number): boolean;
  /** The connection's byte count could not be kept: close at once. */
  abort(): void;
  /** The connection as a UDP transfer's control channel; the returned `release` ends that use. */
  udpControl(): { channel: ControlChannel; release: () => void };
  /** A refusal that is not a file problem (a malformed request). */
  replyUsage(message: string): void;
  /** Tell the other users a file was shared (within the announce limit). */
  announce(line: string): void;
}

/** What the file service reports to whoever runs the server (`serve` logs it). */
export type FileEvent =
  | { type: 'download'; by: string | undefined; address: string; name: string; offset: number; outcome: DownloadOutcome }
  | { type: 'download-udp'; by: string | undefined; address: string; name: string; offset: number; outcome: 'sent' | string }
  | { type: 'upload'; by: string | undefined; address: string; name: string; size: number; sha256: string }
  | { type: 'upload-refused'; by: string | undefined; address: string; name: string; code: FileProblem['code'] };

export interface FileServiceOptions {
  limits: FilesLimits;
  uploadsEnabled: boolean;
  /** Raw download chunks stay this small, so one in flight never counts as a slow reader. */
  maxChunkBytes: number;
  clock: Clock;
  randomHex: (bytes: number) => string;
  onEvent?: (event: FileEvent) => void;
  /** DOWNLOAD_UDP: absent, the command is refused. */
  udp?: UdpSendService;
}

export interface OpenFileServiceOptions {
  store: FileStore;
  newHash: () => Sha256;
  clock: Clock;
  /** The folder to share; created if missing. */
  directory: string;
  limits?: Partial<FilesLimits>;
  uploadsEnabled?: boolean;
  /** The chat server's send-queue limit: a download chunk stays well under it. */
  maxSendQueueBytes: number;
  randomHex?: (bytes: number) => string;
  onEvent?: (event: FileEvent) => void;
  /** Serve DOWNLOAD_UDP through this runtime's UDP sockets, with these limits. */
  udp?: { bindUdp: Runtime['bindUdp']; limits?: Partial<UdpTransferLimits>; sealing?: SendServiceOptions['sealing'] };
}

/** Check the limits, open and index the folder, and return the service with its file count. */
export async function openFileService(options: OpenFileServiceOptions): Promise<{ service: FileService; files: number }> {
  const limits = resolveFilesLimits(options.limits);
  const randomHex = options.randomHex ?? secureRandomHex;
  const folder = new SharedFolder(options.store, options.directory, options.clock, randomHex, options.newHash);
  const files = await folder.open();
  const service = new FileService(folder, {
    limits,
    uploadsEnabled: options.uploadsEnabled ?? true,
    maxChunkBytes: Math.max(1024, Math.min(256 * 1024, Math.floor(options.maxSendQueueBytes / 4))),
    clock: options.clock,
    randomHex,
    ...(options.onEvent && { onEvent: options.onEvent }),
    ...(options.udp && {
      udp: new UdpSendService({
        bindUdp: options.udp.bindUdp,
        clock: options.clock,
        limits: resolveUdpTransferLimits(options.udp.limits),
        randomTransferId: () => Number.parseInt(randomHex(4), 16),
        ...(options.udp.sealing && { sealing: options.udp.sealing }),
      }),
    }),
  });
  return { service, files };
}

export class FileService {
  readonly tickets: TransferTickets;
  readonly limits: FilesLimits;
  private readonly slots: TransferSlots;

  constructor(
    readonly folder: SharedFolder,
    private readonly options: FileServiceOptions,
  ) {
    this.limits = options.limits;
    this.tickets = new TransferTickets(options.clock, options.limits.ticketTtlMs, options.randomHex);
    this.slots = new TransferSlots(options.limits.maxTransfersPerUser, options.limits.maxTransfers);
  }

  get activeTransfers(): number {
    return this.slots.active;
  }

  /** One LIST_FILES page; the index refreshes itself in the background. */
  listing(after: string | undefined): string[] {
    this.folder.refreshSoon();
    const page = this.folder.page(after, this.options.limits.listPageEntries);
    const lines = page.entries.map((entry) => fileServerLine.file(entry));
    lines.push(fileServerLine.filesEnd(page.entries.length, page.total, page.continueAfter));
    return lines;
  }

  /**
   * DOWNLOAD_TCP: resolve the file, send the header and the bytes. Resolves when the download is
   * over, so the connection's later lines wait for it.
   */
  async download(session: TransferSession, rest: string): Promise<DownloadOutcome | 'refused'> {
    const release = this.slots.acquire(this.slotOwner(session));
    if (!release) {
      session.replyProblem(tooManyTransfers());
      return 'refused';
    }
    try {
      const prepared = await prepareDownload(this.folder, rest);
      if (!session.writable) return 'closed';
      if ('code' in prepared) {
        session.replyProblem(prepared);
        return 'refused';
      }
      let wake: ((open: boolean) => void) | undefined;
      // Called on a drain, and when the connection closes (then the download ends as 'closed').
      const raw = session.startRawOutput(fileServerLine.fileStart(prepared.header), () => wake?.(session.writable));
      const sink: ByteSink = {
        write: (bytes) => raw.write(bytes),
        drained: () => (session.writable ? new Promise<boolean>((resolve) => (wake = resolve)) : Promise.resolve(false)),
        get closed() {
          return !session.writable;
        },
        get pendingBytes() {
          return session.pendingOutputBytes;
        },
      };
      const outcome = await streamDownload(this.folder, prepared, sink, {
        chunkBytes: this.options.maxChunkBytes,
        onProgress: () => session.transferActivity(),
      });
      raw.end();
      this.report({ type: 'download', by: session.transferOwner, address: session.remoteAddress, name: prepared.header.name, offset: prepared.offset, outcome });
      if (outcome === 'changed') {
        session.replyProblem({ code: 'FILE_CHANGED', message: `${prepared.header.name} changed while it was sent; its SHA-256 will not match` });
      } else if (outcome === 'short' || outcome === 'failed') {
        session.abort();
      }
      return outcome;
    } finally {
      release();
    }
  }

  /**
   * DOWNLOAD_UDP: start sending the file's chunks to the asker's UDP port, controlled over this
   * connection; resolves once the transfer started (or was refused). The connection's chat goes
   * on meanwhile; `done` settles when the transfer ends.
   */
  async downloadUdp(session: TransferSession, rest: string): Promise<{ done: Promise<unknown> } | undefined> {
    const udp = this.options.udp;
    const request = parseDownloadUdpArgs(rest);
    const options = request && parseTransferRequestOptions(request.optionWords);
    if (!udp || !request || !options?.ok) {
      const why = !udp ? 'this server sends no files over UDP' : options && !options.ok ? options.detail : 'a file name and a UDP port are needed';
      session.replyUsage(`usage: DOWNLOAD_UDP <file> <udpPort> [id=<8 hex>] [offset=<bytes>] [datagram=<bytes>] (${why})`);
      return undefined;
    }
    const release = this.slots.acquire(this.slotOwner(session));
    if (!release) {
      session.replyProblem(tooManyTransfers());
      return undefined;
    }
    const file = await this.folder.resolve(request.name);
    if (typeof file === 'string') {
      release();
      session.replyProblem({ code: file, message: file === 'NO_SUCH_FILE' ? `no shared file named "${request.name}"` : `invalid file name "${request.name}"` });
      return undefined;
    }
    let sha256: string;
    try {
      sha256 = await this.folder.sha256(file);
    } catch {
      release();
      session.replyProblem({ code: 'TRANSFER_FAILED', message: `the server could not read ${file.name}` });
      return undefined;
    }
    if (!session.writable) return void release();
    const control = session.udpControl();
    const { store } = this.folder;
    const transfer = await udp.send({
      control: control.channel,
      port: request.port,
      options: options.options,
      file: {
        size: file.size,
        sha256,
        open: async (offset) => readerSource(await store.openRead(file.path), { start: offset, end: file.size }),
      },
    });
    const done = transfer.done.then(
      () => this.report({ type: 'download-udp', by: session.transferOwner, address: session.remoteAddress, name: file.name, offset: options.options.offset ?? 0, outcome: 'sent' }),
      (error: { code?: string }) => {
        this.report({ type: 'download-udp', by: session.transferOwner, address: session.remoteAddress, name: file.name, offset: options.options.offset ?? 0, outcome: error.code ?? 'failed' });
      },
    );
    void done.finally(() => {
      control.release();
      release();
    });
    return { done };
  }

  /** Server shutdown: stop every UDP transfer (the receivers are told). */
  stopUdp(): void {
    this.options.udp?.cancelAll('the server is shutting down');
  }

  /** UPLOAD / UPLOAD_RAW: the rest of the connection is the file. Resolves when it is over. */
  async upload(session: TransferSession, request: UploadRequest, by: string | undefined): Promise<void> {
    // Raw bytes may follow the command line at once: switch the connection to raw input before
    // anything is awaited; the intake keeps early bytes until the upload is ready for them.
    const intake = new UploadIntake(session);
    // Read into one buffer used again, not fresh memory per read: fewer page faults, nothing
    // for the garbage collector, constant memory (docs/BENCHMARKS.md, "Shared files").
    if (session.startRawInput(intake, UPLOAD_READ_BUFFER_BYTES)) intake.copyReads(UPLOAD_READ_BUFFER_BYTES);
    const refuse = (problem: FileProblem) => {
      this.report({ type: 'upload-refused', by, address: session.remoteAddress, name: request.name, code: problem.code });
      intake.refuse(problem);
    };
    if (!this.options.uploadsEnabled) return refuse({ code: 'UPLOADS_DISABLED', message: 'this server does not accept uploads' });
    const release = this.slots.acquire(this.slotOwner(session));
    if (!release) return refuse(tooManyTransfers());
    try {
      const upload = await IncomingUpload.begin(this.folder, this.options.limits, request);
      if (!(upload instanceof IncomingUpload)) return refuse(upload);
      if (!session.writable) return void (await upload.abort());
      if (request.declared) session.reply(fileServerLine.uploadReady());
      const result = await intake.run(upload);
      if (!result) return; // the connection went away; the upload removed its partial file
      if ('code' in result) {
        this.report({ type: 'upload-refused', by, address: session.remoteAddress, name: request.name, code: result.code });
        session.replyProblem(result);
        return session.finish();
      }
      const { stored } = result;
      this.report({ type: 'upload', by, address: session.remoteAddress, name: stored.name, size: stored.size, sha256: stored.sha256 });
      session.reply(fileServerLine.stored(stored));
      session.finish();
      session.announce(fileServerLine.shared(by, stored.name, formatSize(stored.size)));
    } finally {
      release();
    }
  }

  /** Whether uploads are accepted (serve --no-uploads turns them off). */
  get uploadsEnabled(): boolean {
    return this.options.uploadsEnabled;
  }

  /**
   * A transfer slot for a transfer outside a chat connection (an HTTP download or upload from
   * the web page), counted with the others: its release, or undefined when a limit is reached.
   */
  acquireSlot(owner: { name?: string; address: string }): (() => void) | undefined {
    return this.slots.acquire(owner.name !== undefined ? `user:${owner.name.toLowerCase()}` : `address:${owner.address}`);
  }

  /** Report a transfer made outside a chat connection (HTTP), as the service's own are. */
  report(event: FileEvent): void {
    this.options.onEvent?.(event);
  }

  private slotOwner(session: TransferSession): string {
    return session.transferOwner !== undefined ? `user:${session.transferOwner.toLowerCase()}` : `address:${session.remoteAddress}`;
  }
}

function tooManyTransfers(): FileProblem {
  return { code: 'TOO_MANY_TRANSFERS', message: 'too many transfers at once; wait for one to finish' };
}
