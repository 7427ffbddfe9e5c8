// The drivers on real sockets when things go wrong: unreachable or silent peers, a wrong hash,
// a short file, a failed write, cancels, closed connections, the concurrency limit, bad
// requests and garbage control lines.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { startReceive } from '../../../src/core/udp-transfer/receive-driver.ts';
import type { ByteSink } from '../../../src/core/udp-transfer/transfer-io.ts';
import { resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { memoryControlPair, tcpControlPair } from '../../helpers/udp-control-channels.ts';
import { lossySocket } from '../../helpers/udp-lossy-socket.ts';
import { fileSource, partialFileSink, partialPathOf } from '../../helpers/udp-transfer-files.ts';
import { cleanUp, nextLine, receiverSocket, runtime, senderSide, tempDir, transfer } from '../../helpers/udp-transfer-fixtures.ts';

afterEach(cleanUp);

function expectDelivered(result: Awaited<ReturnType<typeof transfer>>): void {
  const where = `seed ${result.seed} (replay with NETCHAT_TEST_SEED=${result.seed})`;
  expect(result.receive.status === 'rejected' ? result.receive.reason : 'ok', where).toBe('ok');
  expect(result.send.status === 'rejected' ? result.send.reason : 'ok', where).toBe('ok');
  expect(Buffer.compare(readFileSync(result.destinationPath), Buffer.from(result.source.bytes)), where).toBe(0);
  expect(existsSync(partialPathOf(result.destinationPath)), where).toBe(false);
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
