// The server side of `DOWNLOAD_UDP`: one UDP socket per transfer, toward the peer of the
// control channel only, at most `maxConcurrentTransfers` at once. Whatever goes wrong is told to
// the receiver as `UDP_ERROR <id> <CODE> <text>` and reported through the transfer's `done`.
import { formatControlLine } from '../../protocol/udp-transfer/control-lines.ts';
import { TransferError } from '../../protocol/udp-transfer/transfer-errors.ts';
import type { TransferRequestOptions } from '../../protocol/udp-transfer/transfer-request.ts';
import type { Aead, Runtime, UdpSocket } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import { ChunkLayout, chunkBytesToward, layoutFits } from './chunk-layout.ts';
import { type OutgoingTransfer, type SendReport, startSend } from './send-driver.ts';
import type { ByteSource, ControlChannel } from './transfer-io.ts';
import type { UdpTransferLimits } from './transfer-limits.ts';

/** The send buffer asked for each transfer's socket. */
const SEND_BUFFER_BYTES = 4 * 1024 * 1024;

export interface SendServiceOptions {
  bindUdp: Runtime['bindUdp'];
  clock: Clock;
  limits: UdpTransferLimits;
  /** A fresh transfer id, for requests that name none. */
  randomTransferId: () => number;
  /** Sealed transfers (`seal=1`): a fresh key per transfer, and AES-256-GCM with it. Absent: refused. */
  sealing?: { newKey: () => Uint8Array; aead: (key: Uint8Array) => Aead };
}

export interface SharedFileToSend {
  size: number;
  sha256: string;
  /** The file's bytes from `offset` on. */
  open(offset: number): Promise<ByteSource>;
}

export interface SendRequest {
  control: ControlChannel;
  /** The receiver's UDP port, from `DOWNLOAD_UDP <file> <udpPort>`. */
  port: number;
  options: TransferRequestOptions;
  file: SharedFileToSend;
  onProgress?: (acknowledgedBytes: number) => void;
}

export class UdpSendService {
  private readonly running = new Set<OutgoingTransfer>();
  private reserved = 0;

  constructor(private readonly options: SendServiceOptions) {}

  /** Transfers running now. */
  get active(): number {
    return this.running.size + this.reserved;
  }

  /** Start sending; never throws: a refusal is a transfer whose `done` rejects (the receiver is told). */
  async send(request: SendRequest): Promise<OutgoingTransfer> {
    const { limits } = this.options;
    const transferId = request.options.transferId ?? this.options.randomTransferId();
    const offset = request.options.offset ?? 0;
    const refuse = (error: TransferError) => {
      request.control.sendLine(formatControlLine({ type: 'error', transferId, code: error.code, text: error.message }));
      return refusedTransfer(transferId, error);
    };
    if (this.active >= limits.maxConcurrentTransfers) {
      return refuse(new TransferError('TOO_MANY_TRANSFERS', `${limits.maxConcurrentTransfers} UDP transfers are running; try again later`));
    }
    if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) {
      return refuse(new TransferError('BAD_REQUEST', `${request.port} is not a UDP port`));
    }
    if (request.options.sealed && !request.control.encrypted) {
      return refuse(new TransferError('BAD_REQUEST', 'sealed UDP transfers need a TLS connection (their key travels on it)'));
    }
    if (request.options.sealed && !this.options.sealing) return refuse(new TransferError('BAD_REQUEST', 'this server does not seal UDP transfers'));
    if (offset > request.file.size) return refuse(new TransferError('BAD_REQUEST', `offset ${offset} is past the end (${request.file.size} bytes)`));
    const chunkBytes = chunkBytesToward(request.control.remoteAddress, request.options.maxDatagramBytes, limits);
    if (!layoutFits(new ChunkLayout(request.file.size, offset, chunkBytes))) {
      return refuse(new TransferError('BAD_REQUEST', 'the file has too many chunks for this datagram size'));
    }
    this.reserved++;
    let socket: UdpSocket | undefined;
    let source: ByteSource | undefined;
    try {
      socket = await this.options.bindUdp({ host: request.control.remoteAddress.includes(':') ? '::' : '0.0.0.0', port: 0 });
      try {
        socket.setSendBufferSize(SEND_BUFFER_BYTES);
      } catch {
        // The system keeps its own size; pacing and the window still apply.
      }
      source = await request.file.open(offset);
    } catch (error) {
      this.reserved--;
      await socket?.close();
      const code = socket ? 'READ_FAILED' : 'SEND_FAILED';
      return refuse(new TransferError(code, `cannot start: ${(error as Error).message}`));
    }
    this.reserved--;
    const transfer = startSend({
      socket,
      clock: this.options.clock,
      control: request.control,
      source,
      transferId,
      port: request.port,
      size: request.file.size,
      offset,
      chunkBytes,
      sha256: request.file.sha256,
      limits,
      onProgress: request.onProgress,
      ...(request.options.sealed && this.options.sealing && { seal: newSeal(this.options.sealing) }),
    });
    this.running.add(transfer);
    const boundSocket = socket;
    const release = () => {
      this.running.delete(transfer);
      void boundSocket.close();
    };
    transfer.done.then(release, release);
    return transfer;
  }

  /** Cancel every running transfer (server shutdown). */
  cancelAll(reason: string): void {
    for (const transfer of this.running) transfer.cancel(reason);
  }
}

function newSeal(sealing: NonNullable<SendServiceOptions['sealing']>): { key: Uint8Array; aead: Aead } {
  const key = sealing.newKey();
  return { key, aead: sealing.aead(key) };
}

function refusedTransfer(transferId: number, error: TransferError): OutgoingTransfer {
  const done = Promise.reject<SendReport>(error);
  done.catch(() => {});
  return { transferId, done, cancel() {} };
}
