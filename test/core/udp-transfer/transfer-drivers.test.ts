// The drivers on real UDP sockets on 127.0.0.1, real temp files, and a control channel that is
// a real TCP connection or an in-memory pair. Loss comes from a seeded wrapper around the
// sender's socket (the kernel-loss test is udp-netns.test.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { startReceive } from '../../../src/core/udp-transfer/receive-driver.ts';
import { UdpSendService } from '../../../src/core/udp-transfer/send-service.ts';
import type { ByteSink } from '../../../src/core/udp-transfer/transfer-io.ts';
import { type UdpTransferLimits, resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { encodeDatagram } from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { Runtime, UdpSocket } from '../../../src/runtime/types.ts';
import { memoryControlPair, tcpControlPair, type TestControlChannel } from '../../helpers/udp-control-channels.ts';
import { lossySocket } from '../../helpers/udp-lossy-socket.ts';
import { randomBytes, seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';
import { fileSource, partialFileSink, partialPathOf, sha256OfFile } from '../../helpers/udp-transfer-files.ts';
import { type RealTransferSetup, grantedReceiveBuffer, runRealTransfer } from '../../helpers/udp-transfer-run.ts';

const runtime = getRuntime();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-udp-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeRandomFile(dir: string, size: number, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = randomBytes(seededRandom(seed), size);
  const filePath = path.join(dir, 'source.bin');
  writeFileSync(filePath, bytes);
  return { path: filePath, bytes };
}

async function receiverSocket(limits: UdpTransferLimits, host = '127.0.0.1'): Promise<UdpSocket> {
  const socket = await runtime.bindUdp({ host, port: 0 });
  socket.setReceiveBufferSize(limits.receiveBufferBytes);
  cleanups.push(() => socket.close());
  return socket;
}

interface Scenario {
  size: number;
  limits?: Partial<UdpTransferLimits>;
  lossRate?: number;
  duplicateRate?: number;
  maxDatagramBytes?: number;
  tcp?: boolean;
  existing?: number;
  setup?: Partial<RealTransferSetup>;
}

async function transfer(scenario: Scenario) {
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

function expectDelivered(result: Awaited<ReturnType<typeof transfer>>): void {
  const where = `seed ${result.seed} (replay with NETCHAT_TEST_SEED=${result.seed})`;
  expect(result.receive.status === 'rejected' ? result.receive.reason : 'ok', where).toBe('ok');
  expect(result.send.status === 'rejected' ? result.send.reason : 'ok', where).toBe('ok');
  expect(Buffer.compare(readFileSync(result.destinationPath), Buffer.from(result.source.bytes)), where).toBe(0);
  expect(existsSync(partialPathOf(result.destinationPath)), where).toBe(false);
}

describe('UDP transfer drivers on 127.0.0.1', () => {
  it('deliver a file exactly over a TCP control connection, in 64 KiB datagrams', async () => {
    const result = await transfer({ size: 8 * 1024 * 1024 + 3, tcp: true });
    expectDelivered(result);
    if (result.send.status !== 'fulfilled') return;
    expect(result.send.value.chunkBytes).toBe(65_507 - 36);
    expect(result.control.sender.sent[0]).toMatch(/^UDP_BEGIN [0-9a-f]{8} size=8388611 offset=0 chunk=65471 window=2 sha256=[0-9a-f]{64}$/);
    expect(result.control.receiver.sent.at(-1)).toMatch(/^UDP_DONE [0-9a-f]{8} bytes=8388611 sha256=/);
  });

  it('deliver a file exactly in 1,400-byte datagrams at 5 % loss, resending what was lost', async () => {
    const result = await transfer({ size: 2 * 1024 * 1024, lossRate: 0.05, maxDatagramBytes: 1400 });
    expectDelivered(result);
    if (result.send.status !== 'fulfilled') return;
    expect(result.send.value.chunkBytes).toBe(1364);
    expect(result.drops, `seed ${result.seed}`).toBeGreaterThan(0);
    expect(result.send.value.retransmissions, `seed ${result.seed}`).toBeGreaterThanOrEqual(result.drops);
  });

  it('deliver a file exactly at 20 % loss with duplicated datagrams', async () => {
    const result = await transfer({ size: 1024 * 1024, lossRate: 0.2, duplicateRate: 0.1, maxDatagramBytes: 1400 });
    expectDelivered(result);
    if (result.receive.status === 'fulfilled') expect(result.receive.value.duplicates).toBeGreaterThan(0);
  });

  it.each([0, 1, 65_471, 65_472])('deliver a file of %d bytes', async (size) => {
    expectDelivered(await transfer({ size, tcp: true }));
  });

  it('resume a partial file from where it ends, hashing it from the first byte', async () => {
    const result = await transfer({ size: 3 * 1024 * 1024, existing: 1_234_567, lossRate: 0.02, maxDatagramBytes: 1400 });
    expectDelivered(result);
    expect(result.control.sender.sent[0]).toContain(' offset=1234567 ');
    if (result.receive.status === 'fulfilled') expect(result.receive.value.bytes).toBe(3 * 1024 * 1024 - 1_234_567);
  });

  it('send datagrams only to the control peer address, at the requested port', async () => {
    const destinations = new Set<string>();
    const result = await transfer({
      size: 300_000,
      setup: {
        bindUdp: async (options) => {
          const socket = await runtime.bindUdp(options);
          const send = socket.send.bind(socket);
          socket.send = (data, port, host) => {
            destinations.add(`${host}:${port}`);
            return send(data, port, host);
          };
          return socket;
        },
      },
    });
    expectDelivered(result);
    expect([...destinations]).toEqual([`${result.control.sender.remoteAddress}:${result.receiverPort}`]);
  });

  it('ignore foreign, malformed and wrong-source datagrams arriving during the transfer', async () => {
    const limits = resolveUdpTransferLimits();
    const socket = await receiverSocket(limits);
    const spray = await runtime.bindUdp({ host: '127.0.0.1', port: 0 });
    const stranger = await runtime.bindUdp({ host: '127.0.0.2', port: 0 });
    cleanups.push(() => spray.close(), () => stranger.close());
    const random = seededRandom(testSeed());
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) {
        void spray.send(Uint8Array.from({ length: 1 + Math.floor(random() * 100) }, () => Math.floor(random() * 256)), socket.address.port, '127.0.0.1');
        void spray.send(encodeDatagram({ transferId: 0x0f0f0f0f, chunkIndex: i, packetNumber: i }, new Uint8Array(1364)), socket.address.port, '127.0.0.1');
        void stranger.send(encodeDatagram({ transferId: 0x5eed0000, chunkIndex: i, packetNumber: i }, new Uint8Array(1364)), socket.address.port, '127.0.0.1');
      }
    }, 1);
    cleanups.push(() => clearInterval(timer));
    const result = await transfer({ size: 2 * 1024 * 1024, maxDatagramBytes: 1400, setup: { receiverSocket: socket, senderAddress: '127.0.0.1', transferId: 0x5eed0000 } });
    clearInterval(timer);
    expectDelivered(result);
    if (result.receive.status !== 'fulfilled') return;
    expect(result.receive.value.malformed + result.receive.value.foreign).toBeGreaterThan(0);
  }, 20_000);
});


/** A sender service on real sockets with short timeouts, and what it needs to send one file. */
async function senderSide(limits: Partial<UdpTransferLimits>, bindUdp: Runtime['bindUdp'] = (options) => runtime.bindUdp(options)) {
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
function nextLine(control: TestControlChannel, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const stop = control.onLine((line) => {
      if (!pattern.test(line)) return;
      stop();
      resolve(line);
    });
  });
}

describe('UDP transfer drivers when things go wrong', () => {
  it('end with UNREACHABLE, on both sides, when no datagram gets through', async () => {
    const side = await senderSide({ unreachableTimeoutMs: 300 }, async (options) => lossySocket(await runtime.bindUdp(options), { seed: 1, lossRate: 1 }));
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const sink = await partialFileSink(path.join(side.dir, 'out.bin'));
    const incoming = startReceive({ socket, clock: systemClock, control: control.receiver, transferId: 0x11, offset: 0, sink, hash: runtime.sha256(), limits: side.limits });
    const outgoing = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 0x11 }, file: side.file });
    await expect(outgoing.done).rejects.toMatchObject({ code: 'UNREACHABLE', fromPeer: false });
    await expect(incoming.done).rejects.toMatchObject({ code: 'UNREACHABLE', fromPeer: true });
    expect(side.service.active).toBe(0);
  });

  it('abandon a receiver that never gives feedback (FEEDBACK_TIMEOUT)', async () => {
    const side = await senderSide({ abandonTimeoutMs: 300 });
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const outgoing = await side.service.send({ control: control.sender, port: socket.address.port, options: {}, file: side.file });
    expect(outgoing.transferId).toBe(0x77777777);
    await expect(outgoing.done).rejects.toMatchObject({ code: 'FEEDBACK_TIMEOUT' });
    expect(control.sender.sent.at(-1)).toMatch(/^UDP_ERROR 77777777 FEEDBACK_TIMEOUT /);
  });

  it('give up receiving when no UDP_BEGIN comes (DATA_TIMEOUT), keeping nothing visible', async () => {
    const dir = tempDir();
    const limits = resolveUdpTransferLimits({ abandonTimeoutMs: 200 });
    const control = memoryControlPair();
    const finalPath = path.join(dir, 'never.bin');
    const incoming = startReceive({
      socket: await receiverSocket(limits),
      clock: systemClock,
      control: control.receiver,
      transferId: 0x22,
      offset: 0,
      sink: await partialFileSink(finalPath),
      hash: runtime.sha256(),
      limits,
    });
    await expect(incoming.done).rejects.toMatchObject({ code: 'DATA_TIMEOUT' });
    expect(control.receiver.sent).toEqual([expect.stringMatching(/^UDP_ERROR 00000022 DATA_TIMEOUT /)]);
    expect(existsSync(finalPath)).toBe(false);
  });

  it('refuse the file and remove the partial when the hash is wrong', async () => {
    const side = await senderSide({});
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const finalPath = path.join(side.dir, 'out.bin');
    const incoming = startReceive({ socket, clock: systemClock, control: control.receiver, transferId: 0x33, offset: 0, sink: await partialFileSink(finalPath), hash: runtime.sha256(), limits: side.limits });
    const outgoing = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 0x33 }, file: { ...side.file, sha256: 'e'.repeat(64) } });
    await expect(incoming.done).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    await expect(outgoing.done).rejects.toMatchObject({ code: 'HASH_MISMATCH', fromPeer: true });
    expect(existsSync(finalPath)).toBe(false);
    expect(existsSync(partialPathOf(finalPath))).toBe(false);
  });

  it('end with READ_FAILED when the file is shorter than announced, keeping the partial for a resume', async () => {
    const side = await senderSide({});
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const finalPath = path.join(side.dir, 'out.bin');
    const incoming = startReceive({ socket, clock: systemClock, control: control.receiver, transferId: 0x44, offset: 0, sink: await partialFileSink(finalPath), hash: runtime.sha256(), limits: side.limits });
    const shorter = { size: 300_000, sha256: side.sha256, open: (offset: number) => fileSource(side.source.path, offset, 300_000) };
    const outgoing = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 0x44 }, file: shorter });
    await expect(outgoing.done).rejects.toMatchObject({ code: 'READ_FAILED' });
    await expect(incoming.done).rejects.toMatchObject({ code: 'READ_FAILED', fromPeer: true });
    expect(existsSync(finalPath)).toBe(false);
    expect(existsSync(partialPathOf(finalPath))).toBe(true);
  });

  it('end with WRITE_FAILED when the file cannot be written', async () => {
    const side = await senderSide({});
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const sink: ByteSink = {
      append: async () => {
        throw new Error('ENOSPC: no space left on device');
      },
      commit: async () => {},
      discard: async () => {},
      close: async () => {},
    };
    const incoming = startReceive({ socket, clock: systemClock, control: control.receiver, transferId: 0x55, offset: 0, sink, hash: runtime.sha256(), limits: side.limits });
    const outgoing = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 0x55 }, file: side.file });
    await expect(incoming.done).rejects.toMatchObject({ code: 'WRITE_FAILED', message: expect.stringContaining('ENOSPC') });
    await expect(outgoing.done).rejects.toMatchObject({ code: 'WRITE_FAILED', fromPeer: true });
  });

  it('end on both sides when the receiver cancels, or the control connection closes', async () => {
    const side = await senderSide({});
    for (const how of ['cancel', 'close'] as const) {
      const pair = await tcpControlPair();
      const socket = await receiverSocket(side.limits);
      const finalPath = path.join(side.dir, `${how}.bin`);
      const incoming = startReceive({ socket, clock: systemClock, control: pair.receiver, transferId: 0x66, offset: 0, sink: await partialFileSink(finalPath), hash: runtime.sha256(), limits: side.limits });
      const outgoing = await side.service.send({ control: pair.sender, port: socket.address.port, options: { transferId: 0x66 }, file: side.file });
      await nextLine(pair.receiver, /^UDP_BEGIN /);
      if (how === 'cancel') incoming.cancel('user pressed Ctrl-C');
      else pair.close();
      await expect(incoming.done).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect(outgoing.done).rejects.toMatchObject({ code: 'CANCELLED', fromPeer: true });
    }
  });

  it('run as many transfers as the limit allows and refuse one more with TOO_MANY_TRANSFERS', async () => {
    const side = await senderSide({ maxConcurrentTransfers: 2 });
    const control = memoryControlPair();
    const socket = await receiverSocket(side.limits);
    const first = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 1 }, file: side.file });
    const second = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 2 }, file: side.file });
    expect(side.service.active).toBe(2);
    const third = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 3 }, file: side.file });
    await expect(third.done).rejects.toMatchObject({ code: 'TOO_MANY_TRANSFERS' });
    expect(control.sender.sent).toContainEqual(expect.stringMatching(/^UDP_ERROR 00000003 TOO_MANY_TRANSFERS /));
    first.cancel('make room');
    await expect(first.done).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(side.service.active).toBe(1);
    const fourth = await side.service.send({ control: control.sender, port: socket.address.port, options: { transferId: 4 }, file: side.file });
    expect(side.service.active).toBe(2);
    second.cancel('done');
    fourth.cancel('done');
  });

  it('refuse bad requests with BAD_REQUEST before sending anything', async () => {
    const side = await senderSide({});
    const control = memoryControlPair();
    for (const [port, options] of [
      [0, {}],
      [65_536, {}],
      [9, { offset: 200_001 }],
    ] as const) {
      const refused = await side.service.send({ control: control.sender, port, options, file: side.file });
      await expect(refused.done).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(control.sender.sent.every((line) => line.startsWith('UDP_ERROR 77777777 BAD_REQUEST '))).toBe(true);
  });

  it('shrug off garbage control lines from either side', async () => {
    const result = await transfer({
      size: 1024 * 1024,
      maxDatagramBytes: 1400,
      setup: {
        control: (() => {
          const pair = memoryControlPair();
          for (const side of [pair.sender, pair.receiver]) {
            const sendLine = side.sendLine.bind(side);
            side.sendLine = (line) => {
              for (const garbage of ['UDP_ACK 5eed0000 next=zzz', `UDP_ERROR ${'x'.repeat(600)}`, 'UDP_DONE nothex!! bytes=1', 'hello there']) {
                sendLine(garbage);
              }
              sendLine(line);
            };
          }
          return pair;
        })(),
      },
    });
    expectDelivered(result);
  });
});
