// Shared set-up for the UDP transfer driver tests: temp files, receiving sockets, a sender
// service with short timeouts, and one whole transfer between the real drivers (optionally
// through a seeded lossy socket and over a TCP control connection).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/core/shared/clock.ts';
import { UdpSendService } from '../../src/core/udp-transfer/send-service.ts';
import { type UdpTransferLimits, resolveUdpTransferLimits } from '../../src/core/udp-transfer/transfer-limits.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import type { Runtime, UdpSocket } from '../../src/runtime/types.ts';
import { memoryControlPair, tcpControlPair, type TestControlChannel } from './udp-control-channels.ts';
import { lossySocket } from './udp-lossy-socket.ts';
import { randomBytes, seededRandom, testSeed } from './udp-seeded-random.ts';
import { fileSource, partialPathOf, sha256OfFile } from './udp-transfer-files.ts';
import { type RealTransferSetup, grantedReceiveBuffer, runRealTransfer } from './udp-transfer-run.ts';

export const runtime = getRuntime();
const cleanups: Array<() => unknown> = [];

/** Undo what the helpers made (sockets, temp dirs, services), newest first: call in afterEach. */
export async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Run `cleanup` at the next cleanUp(). */
export function onCleanUp(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

/** A temp dir removed at cleanUp(). */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-udp-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `size` seeded random bytes in `dir`/source.bin. */
export function writeRandomFile(dir: string, size: number, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = randomBytes(seededRandom(seed), size);
  const filePath = path.join(dir, 'source.bin');
  writeFileSync(filePath, bytes);
  return { path: filePath, bytes };
}

/** A receiving socket on 127.0.0.1 with the limits' buffer, closed at cleanUp(). */
export async function receiverSocket(limits: UdpTransferLimits, host = '127.0.0.1'): Promise<UdpSocket> {
  const socket = await runtime.bindUdp({ host, port: 0 });
  socket.setReceiveBufferSize(limits.receiveBufferBytes);
  cleanups.push(() => socket.close());
  return socket;
}

export interface Scenario {
  size: number;
  limits?: Partial<UdpTransferLimits>;
  lossRate?: number;
  duplicateRate?: number;
  maxDatagramBytes?: number;
  tcp?: boolean;
  existing?: number;
  setup?: Partial<RealTransferSetup>;
}

/** One transfer of a random file between the drivers, as `scenario` says; never throws for its failures. */
export async function transfer(scenario: Scenario) {
  const seed = testSeed();
  const dir = tempDir();
  const limits = resolveUdpTransferLimits(scenario.limits);
  const source = writeRandomFile(dir, scenario.size, seed);
  const destinationPath = path.join(dir, 'received.bin');
  if (scenario.existing) writeFileSync(partialPathOf(destinationPath), source.bytes.subarray(0, scenario.existing));
  let control: { sender: TestControlChannel; receiver: TestControlChannel };
  if (scenario.tcp) {
    const pair = await tcpControlPair();
    cleanups.push(() => pair.close());
    control = pair;
  } else {
    control = memoryControlPair();
  }
  const sockets: Array<ReturnType<typeof lossySocket>> = [];
  const receiving = scenario.setup?.receiverSocket ?? (await receiverSocket(limits));
  const outcome = await runRealTransfer({
    sourcePath: source.path,
    destinationPath,
    control,
    receiverSocket: receiving,
    bindUdp: async (options) => {
      const socket = lossySocket(await runtime.bindUdp(options), { seed, lossRate: scenario.lossRate ?? 0, duplicateRate: scenario.duplicateRate });
      sockets.push(socket);
      return socket;
    },
    limits,
    transferId: 0x5eed0000 + (seed & 0xffff),
    maxDatagramBytes: scenario.maxDatagramBytes,
    socketBufferBytes: grantedReceiveBuffer(limits.receiveBufferBytes),
    ...scenario.setup,
  });
  return {
    ...outcome,
    seed,
    source,
    destinationPath,
    control,
    receiverPort: receiving.address.port,
    drops: sockets.reduce((sum, socket) => sum + socket.drops, 0),
  };
}

/** A sender service on real sockets with the given limits, and a 200,000-byte file for it to send. */
export async function senderSide(limits: Partial<UdpTransferLimits>, bindUdp: Runtime['bindUdp'] = (options) => runtime.bindUdp(options)) {
  const dir = tempDir();
  const source = writeRandomFile(dir, 200_000, 1);
  const sha256 = await sha256OfFile(source.path);
  const resolved = resolveUdpTransferLimits(limits);
  const service = new UdpSendService({ bindUdp, clock: systemClock, limits: resolved, randomTransferId: () => 0x77777777 });
  cleanups.push(() => service.cancelAll('test over'));
  const file = { size: 200_000, sha256, open: (offset: number) => fileSource(source.path, offset, 200_000) };
  return { dir, source, sha256, service, file, limits: resolved };
}

/** Resolves with the first line `control` receives that matches. */
export function nextLine(control: TestControlChannel, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const stop = control.onLine((line) => {
      if (!pattern.test(line)) return;
      stop();
      resolve(line);
    });
  });
}
