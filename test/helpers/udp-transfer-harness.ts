// A stand-alone sender or receiver of one UDP file transfer, for runs across processes and
// network namespaces (the kernel-loss test and the benchmark). Bundled with esbuild and run
// under node, bun or deno:
//
//   harness send    --host <ip> --file <path> [--limits <json>]        prints {"listening":<port>}, then its report
//   harness receive --connect <ip>:<port> --bind <ip> --out <path> [--datagram <bytes>] [--limits <json>]
//
// The receiver connects to the sender's TCP port, binds its UDP socket and asks with
// `DOWNLOAD_UDP <name> <udpPort> <options>`, as the chat client will; the sender answers with
// the UDP transfer engine. Each prints one JSON line with its report (or {"error":…}) and exits
// 0 on success, 1 on failure.
import net from 'node:net';
import path from 'node:path';
import { systemClock } from '../../src/core/shared/clock.ts';
import { startReceive } from '../../src/core/udp-transfer/receive-driver.ts';
import { UdpSendService } from '../../src/core/udp-transfer/send-service.ts';
import { resolveUdpTransferLimits } from '../../src/core/udp-transfer/transfer-limits.ts';
import { TransferError } from '../../src/protocol/udp-transfer/transfer-errors.ts';
import { formatTransferRequestOptions, parseTransferRequestOptions } from '../../src/protocol/udp-transfer/transfer-request.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import { tcpControlChannel } from './udp-control-channels.ts';
import { fileSize, fileSource, partialFileSink, partialPathOf, sha256After, sha256OfFile } from './udp-transfer-files.ts';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Minor page faults so far (touching fresh memory); undefined where the runtime cannot tell. */
function minorFaults(): number | undefined {
  try {
    return process.resourceUsage().minorPageFault;
  } catch {
    return undefined;
  }
}

/** Reset when the transfer starts, so start-up and hashing the file beforehand are not counted. */
let cpuAtStart = process.cpuUsage();
let faultsAtStart = minorFaults();

function startCounting(): void {
  cpuAtStart = process.cpuUsage();
  faultsAtStart = minorFaults();
}

function report(value: object, ok: boolean): never {
  // CPU time (ms, user + system) tells a slow side from a starved one on a loaded machine; page
  // faults tell how much of it went on fresh memory (a fault per 4 KiB touched the first time).
  const cpu = process.cpuUsage(cpuAtStart);
  const faults = minorFaults();
  const pageFaults = faults !== undefined && faultsAtStart !== undefined ? faults - faultsAtStart : undefined;
  process.stdout.write(`${JSON.stringify({ ...value, cpuMs: Math.round((cpu.user + cpu.system) / 1000), pageFaults })}\n`);
  process.exit(ok ? 0 : 1);
}

function failure(error: unknown): { error: string; code?: string } {
  return error instanceof TransferError ? { error: error.message, code: error.code } : { error: String(error) };
}

const limits = resolveUdpTransferLimits(JSON.parse(flag('limits') ?? '{}'));
const runtime = getRuntime();

async function send(): Promise<void> {
  const filePath = flag('file')!;
  const [size, sha256] = await Promise.all([fileSize(filePath), sha256OfFile(filePath)]);
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, flag('host') ?? '127.0.0.1', resolve));
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as net.AddressInfo).port, runtime: runtime.name })}\n`);
  const socket = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.close();
  const control = tcpControlChannel(socket);
  const request = await new Promise<string>((resolve) => {
    const stop = control.onLine((line) => {
      stop();
      resolve(line);
    });
  });
  startCounting();
  const [verb, , port, ...words] = request.split(' ');
  const options = parseTransferRequestOptions(words);
  if (verb !== 'DOWNLOAD_UDP' || !options.ok) report({ error: `bad request: ${request}` }, false);
  const service = new UdpSendService({
    bindUdp: (bind) => runtime.bindUdp(bind),
    clock: systemClock,
    limits,
    randomTransferId: () => (Math.random() * 2 ** 32) >>> 0,
  });
  const transfer = await service.send({
    control,
    port: Number(port),
    options: options.options,
    file: { size, sha256, open: (offset) => fileSource(filePath, offset, size) },
  });
  try {
    const result = await transfer.done;
    report({ ...result, runtime: runtime.name }, true);
  } catch (error) {
    report(failure(error), false);
  }
}

async function receive(): Promise<void> {
  const [host, port] = flag('connect')!.split(':');
  const outPath = flag('out')!;
  const datagram = flag('datagram');
  const socket = net.connect({ host, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const control = tcpControlChannel(socket);
  const udp = await runtime.bindUdp({ host: flag('bind') ?? '0.0.0.0', port: 0 });
  if (limits.receiveBufferBytes > 0) udp.setReceiveBufferSize(limits.receiveBufferBytes);
  const sink = await partialFileSink(outPath);
  const hash = await sha256After(partialPathOf(outPath), sink.existingBytes);
  const transferId = ((Math.random() * 2 ** 32) >>> 0) | 1;
  const startedAt = systemClock.now();
  startCounting();
  const incoming = startReceive({
    socket: udp,
    clock: systemClock,
    control,
    transferId: transferId >>> 0,
    offset: sink.existingBytes,
    sink,
    hash,
    limits,
    socketBufferBytes: udp.receiveBufferBytes?.(),
    senderAddress: host,
  });
  const options = formatTransferRequestOptions({
    transferId: transferId >>> 0,
    offset: sink.existingBytes,
    maxDatagramBytes: datagram === undefined ? undefined : Number(datagram),
  });
  control.sendLine(`DOWNLOAD_UDP ${path.basename(outPath)} ${udp.address.port} ${options}`);
  try {
    const result = await incoming.done;
    report({ ...result, elapsedMs: systemClock.now() - startedAt, runtime: runtime.name }, true);
  } catch (error) {
    report(failure(error), false);
  }
}

const mode = process.argv[2];
if (mode === 'send') await send();
else if (mode === 'receive') await receive();
else report({ error: 'usage: harness send|receive …' }, false);
