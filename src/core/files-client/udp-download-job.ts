// A download over UDP (`/download <file> --udp`): the file's chunks arrive on a UDP socket of
// ours, and a second TCP connection with a one-time ticket carries the control lines — the
// request, UDP_BEGIN, our UDP_ACK feedback, errors. The same rules as a TCP download hold: a
// hidden partial file named after the file and its hash, resumed only against the same version,
// the SHA-256 checked before the file gets its name, and no existing file ever replaced.
import { parseServerLine } from '../../protocol/chat/chat-lines.ts';
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import { sanitizeText } from '../../protocol/shared/text-sanitize.ts';
import { isControlLine } from '../../protocol/udp-transfer/control-lines.ts';
import { formatTransferRequestOptions } from '../../protocol/udp-transfer/transfer-request.ts';
import type { Runtime } from '../../runtime/types.ts';
import { randomHex } from '../shared/random-hex.ts';
import { startReceive } from '../udp-transfer/receive-driver.ts';
import { writerSink } from '../udp-transfer/file-adapters.ts';
import type { ControlChannel } from '../udp-transfer/transfer-io.ts';
import type { UdpTransferLimits } from '../udp-transfer/transfer-limits.ts';
import { discardPartial, findPartial, hashHex, makeDownloadFolder, place, refuseUnsavableName, type DownloadDeps, type DownloadRequest, type DownloadResult, type TransferTarget } from './download-job.ts';
import { TransferConnection, TransferError } from './transfer-connection.ts';
import { expectGreeting } from './transfer-replies.ts';

export interface UdpDownloadDeps extends DownloadDeps {
  runtime: DownloadDeps['runtime'] & Pick<Runtime, 'bindUdp' | 'name' | 'aes256Gcm'>;
  limits: UdpTransferLimits;
}

export async function downloadFileUdp(deps: UdpDownloadDeps, target: TransferTarget, request: DownloadRequest): Promise<DownloadResult> {
  const { store } = deps;
  refuseUnsavableName(request.name);
  await makeDownloadFolder(store, request.directory);
  const nameTag = hashHex(deps.runtime.sha256(), request.name).slice(0, 16);
  const partial = await findPartial(store, request.directory, nameTag);
  let attempt = await receiveInto(deps, target, request, nameTag, partial);
  if (attempt === 'restart') attempt = await receiveInto(deps, target, request, nameTag, undefined);
  if (attempt === 'restart') throw new TransferError('BAD_REPLY', 'the server changed the file twice during the download');
  return place(store, request, attempt);
}

async function receiveInto(
  deps: UdpDownloadDeps,
  target: TransferTarget,
  request: DownloadRequest,
  nameTag: string,
  partial: { path: string; size: number; shaTag: string } | undefined,
) {
  const { store, runtime } = deps;
  const offset = partial?.size ?? 0;
  const ticket = await target.ticket();
  const connection = await TransferConnection.open(runtime, target, deps.clock);
  const socket = await runtime.bindUdp({ host: connection.remoteAddress.includes(':') ? '::' : '0.0.0.0', port: 0 });
  try {
    await expectGreeting(connection);
    if (deps.limits.receiveBufferBytes > 0) {
      try {
        socket.setReceiveBufferSize(deps.limits.receiveBufferBytes);
      } catch {
        // The system keeps its own size; the window follows what the socket holds.
      }
    }
    const hash = runtime.sha256();
    if (partial) for await (const chunk of store.read(partial.path, { start: 0, end: partial.size })) hash.update(chunk);
    let partialPath = partial?.path;
    let header: { size: number; sha256: string } | undefined;
    let restart = false;
    // The file is named by the hash UDP_BEGIN announces, so the writer opens on the first bytes.
    const sink = writerSink(() => store.openWrite(partialPath!, { mode: partial ? 'append' : 'create' }), {
      removeUnopened: async () => {
        if (partialPath) await store.remove(partialPath).catch(() => {});
      },
    });
    const { channel, refusal } = controlOver(connection);
    const transferId = Number.parseInt(randomHex(4), 16);
    const incoming = startReceive({
      socket,
      clock: deps.clock,
      control: channel,
      transferId,
      offset,
      sink,
      hash,
      limits: deps.limits,
      // The window advertised never promises more than the socket really holds: beyond it the
      // kernel drops silently (Deno's socket keeps the system default, 208 KiB here).
      socketBufferBytes: socket.receiveBufferBytes?.(),
      senderAddress: connection.remoteAddress,
      keepPartial: true,
      // Inside TLS the datagrams are sealed too: nothing of the file crosses the network readable.
      ...(connection.encrypted && { sealed: { aead: runtime.aes256Gcm } }),
      onBegin: (begin) => {
        header = { size: begin.size, sha256: begin.sha256 };
        if (partial && begin.sha256.slice(0, 16) !== partial.shaTag) {
          restart = true;
          incoming.cancel('the file changed on the server since the partial download');
          return;
        }
        partialPath ??= store.join(request.directory, `.netchat-download-${nameTag}-${begin.sha256.slice(0, 16)}.part`);
        request.onProgress?.(offset, begin.size);
      },
      onProgress: (written, total) => request.onProgress?.(offset + written, total),
    });
    connection.writeLine(fileClientLine.transfer(ticket));
    connection.writeLine(fileClientLine.downloadUdp(request.name, socket.address.port, formatTransferRequestOptions({ transferId, offset, sealed: connection.encrypted })));
    // The server refuses with a chat ERROR line (no such file …) instead of UDP_BEGIN.
    const refused = refusal.then((error) => {
      incoming.cancel(error.message);
      throw error;
    });
    try {
      const report = await Promise.race([incoming.done, refused]);
      return { partialPath: partialPath!, header: { size: report.size, sha256: report.sha256, offset, name: request.name }, resumedFrom: offset };
    } catch (error) {
      if (restart) return discardPartial(store, partial!.path);
      // The partial file is longer than the file now is: of another version, start over.
      if (partial && error instanceof TransferError && error.code === 'BAD_OFFSET') return discardPartial(store, partial.path);
      if (error instanceof TransferError) throw error;
      const code = (error as { code?: string }).code ?? 'TRANSFER_FAILED';
      throw new TransferError(code, sanitizeText((error as Error).message ?? String(error)));
    } finally {
      refused.catch(() => {});
      void header;
    }
  } finally {
    await socket.close().catch(() => {});
    connection.destroy();
  }
}

/**
 * The transfer connection as a control channel: UDP_ lines go to the transfer; a chat ERROR in
 * their place rejects `refusal` with the server's code.
 */
function controlOver(connection: TransferConnection): { channel: ControlChannel; refusal: Promise<TransferError> } {
  const lineListeners = new Set<(line: string) => void>();
  let refuse!: (error: TransferError) => void;
  const refusal = new Promise<TransferError>((resolve) => (refuse = resolve));
  void (async () => {
    while (!connection.closed) {
      let line: string;
      try {
        line = await connection.readLine();
      } catch (error) {
        if (error instanceof TransferError && error.code === 'TIMEOUT') continue;
        return;
      }
      if (isControlLine(line)) for (const listener of [...lineListeners]) listener(line);
      else {
        const event = parseServerLine(line);
        if (event.type === 'error') refuse(new TransferError(event.code, sanitizeText(event.message)));
      }
    }
  })();
  const channel: ControlChannel = {
    remoteAddress: connection.remoteAddress,
    sendLine: (line) => connection.writeLine(line),
    onLine: (listener) => {
      lineListeners.add(listener);
      return () => lineListeners.delete(listener);
    },
    onClose: (listener) => connection.onClose(listener),
  };
  return { channel, refusal };
}
