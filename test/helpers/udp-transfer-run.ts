// One UDP file transfer between the real drivers, as the chat server and client will run it:
// the receiver binds its socket, resumes from its partial file, and asks (here: directly, not
// through DOWNLOAD_UDP); the sender service answers on the control channel and sends.
import { readFileSync } from 'node:fs';
import { type ReceiveReport, startReceive } from '../../src/core/udp-transfer/receive-driver.ts';
import type { SendReport } from '../../src/core/udp-transfer/send-driver.ts';
import { UdpSendService } from '../../src/core/udp-transfer/send-service.ts';
import type { UdpTransferLimits } from '../../src/core/udp-transfer/transfer-limits.ts';
import { systemClock, type Clock } from '../../src/core/shared/clock.ts';
import type { TransferRequestOptions } from '../../src/protocol/udp-transfer/transfer-request.ts';
import type { Runtime, UdpSocket } from '../../src/runtime/types.ts';
import type { ControlChannel } from '../../src/core/udp-transfer/transfer-io.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import type { TestControlChannel } from './udp-control-channels.ts';
import { fileSize, fileSource, partialFileSink, partialPathOf, sha256After, sha256OfFile } from './udp-transfer-files.ts';

export interface RealTransferSetup {
  sourcePath: string;
  destinationPath: string;
  control: { sender: TestControlChannel; receiver: TestControlChannel };
  /** The receiver's socket, bound. */
  receiverSocket: UdpSocket;
  /** Binds the sender's socket; wrap what it returns (lossySocket) to lose datagrams. */
  bindUdp: Runtime['bindUdp'];
  limits: UdpTransferLimits;
  transferId: number;
  maxDatagramBytes?: number;
  /** The kernel's receive buffer for the receiver socket, when known (sizes the window). */
  socketBufferBytes?: number;
  senderAddress?: string;
  clock?: Clock;
  /** Ask for sealed datagrams, the sender's control channel counting as inside TLS. */
  sealed?: boolean;
}

export interface RealTransferOutcome {
  send: PromiseSettledResult<SendReport>;
  receive: PromiseSettledResult<ReceiveReport>;
  service: UdpSendService;
}

/**
 * The receive buffer Linux gives a socket: twice the size asked for, up to twice
 * net.core.rmem_max; net.core.rmem_default for one that asked for nothing (0).
 */
export function grantedReceiveBuffer(requested: number): number | undefined {
  try {
    const sysctl = (name: string) => Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8'));
    return requested === 0 ? sysctl('rmem_default') : 2 * Math.min(requested, sysctl('rmem_max'));
  } catch {
    return undefined;
  }
}

const runtime = getRuntime();

export async function runRealTransfer(setup: RealTransferSetup): Promise<RealTransferOutcome> {
  const clock = setup.clock ?? systemClock;
  const sink = await partialFileSink(setup.destinationPath);
  const offset = sink.existingBytes;
  const hash = await sha256After(partialPathOf(setup.destinationPath), offset);
  const incoming = startReceive({
    socket: setup.receiverSocket,
    clock,
    control: setup.control.receiver,
    transferId: setup.transferId,
    offset,
    sink,
    hash,
    limits: setup.limits,
    socketBufferBytes: setup.socketBufferBytes,
    senderAddress: setup.senderAddress,
    ...(setup.sealed && { sealed: { aead: runtime.aes256Gcm } }),
  });
  const request: TransferRequestOptions = { transferId: setup.transferId, offset, maxDatagramBytes: setup.maxDatagramBytes, ...(setup.sealed && { sealed: true }) };
  const sealing = { newKey: () => runtime.randomBytes(32), aead: runtime.aes256Gcm };
  const service = new UdpSendService({ bindUdp: setup.bindUdp, clock, limits: setup.limits, randomTransferId: () => 1, sealing });
  const channel = setup.control.sender;
  const senderControl: ControlChannel = setup.sealed
    ? { remoteAddress: channel.remoteAddress, encrypted: true, sendLine: (line) => channel.sendLine(line), onLine: (f) => channel.onLine(f), onClose: (f) => channel.onClose(f) }
    : channel;
  const size = await fileSize(setup.sourcePath);
  const sha256 = await sha256OfFile(setup.sourcePath);
  const outgoing = await service.send({
    control: senderControl,
    port: setup.receiverSocket.address.port,
    options: request,
    file: { size, sha256, open: (from) => fileSource(setup.sourcePath, from, size) },
  });
  const [send, receive] = await Promise.allSettled([outgoing.done, incoming.done]);
  return { send, receive, service };
}
