// The sender reads the file into blocks and hands each back to its source for the next read once
// every chunk in it is acknowledged. Released blocks are poisoned here: a block given back while
// a chunk in it could still be sent again would put wrong bytes on the wire and fail the hash.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/shared/clock.ts';
import { startReceive } from '../../../src/core/udp-transfer/receive-driver.ts';
import { UdpSendService } from '../../../src/core/udp-transfer/send-service.ts';
import type { ByteSource } from '../../../src/core/udp-transfer/transfer-io.ts';
import { resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { memoryControlPair } from '../../helpers/udp-control-channels.ts';
import { lossySocket } from '../../helpers/udp-lossy-socket.ts';
import { fileSource, partialFileSink } from '../../helpers/udp-transfer-files.ts';
import { cleanUp, receiverSocket, runtime, tempDir, writeRandomFile } from '../../helpers/udp-transfer-fixtures.ts';
import { testSeed } from '../../helpers/udp-seeded-random.ts';

afterEach(cleanUp);

/** `inner`, counting the blocks it is given back and overwriting each before passing it on. */
function poisoningSource(inner: ByteSource, released: Uint8Array[]): ByteSource {
  return {
    read: (maxBytes) => inner.read(maxBytes),
    release(block) {
      released.push(block);
      block.fill(0xee);
      inner.release?.(block);
    },
    close: () => inner.close(),
  };
}

describe('UDP sender read blocks', () => {
  it('are given back only once all their chunks are acknowledged, and read into again, at 5 % loss', async () => {
    const seed = testSeed();
    const dir = tempDir();
    const size = 5 * 1024 * 1024 + 123;
    const source = writeRandomFile(dir, size, seed);
    const limits = resolveUdpTransferLimits({ maxDatagramBytesLoopback: 1400, maxWindowBytes: 2 * 1024 * 1024 });
    const bindUdp = async (options: Parameters<typeof runtime.bindUdp>[0]) => lossySocket(await runtime.bindUdp(options), { seed, lossRate: 0.05 });
    const service = new UdpSendService({ bindUdp, clock: systemClock, limits, randomTransferId: () => 0x5eed });
    const released: Uint8Array[] = [];
    const reads: Uint8Array[] = [];
    const sha256 = (await runtime.files.sha256(source.path)).sha256;
    const open = async (offset: number) => {
      const inner = await fileSource(source.path, offset, size);
      const counting: ByteSource = { ...inner, read: async (maxBytes) => {
        const block = await inner.read(maxBytes);
        reads.push(block);
        return block;
      }, release: (block) => inner.release?.(block) };
      return poisoningSource(counting, released);
    };
    const control = memoryControlPair();
    const socket = await receiverSocket(limits);
    const finalPath = path.join(dir, 'out.bin');
    const incoming = startReceive({ socket, clock: systemClock, control: control.receiver, transferId: 0x5eed, offset: 0, sink: await partialFileSink(finalPath), hash: runtime.sha256(), limits });
    const outgoing = await service.send({ control: control.sender, port: socket.address.port, options: { transferId: 0x5eed }, file: { size, sha256, open } });
    const where = `seed ${seed} (replay with NETCHAT_TEST_SEED=${seed})`;
    await expect(incoming.done, where).resolves.toMatchObject({ size });
    const sent = await outgoing.done;
    expect(sent.retransmissions, where).toBeGreaterThan(0);
    expect(Buffer.compare(readFileSync(finalPath), Buffer.from(source.bytes)), where).toBe(0);
    // Five and a bit 1 MiB blocks, at most a 2 MiB window read ahead: blocks come back and are read into again.
    expect(released.length, where).toBeGreaterThanOrEqual(4);
    expect(new Set(reads.map((block) => block.buffer)).size, where).toBeLessThan(reads.length);
  });
});

describe('readerSource block reuse', () => {
  it('reads into a block given back, and ignores a view into a larger one', async () => {
    const file = writeRandomFile(tempDir(), 40_000, 7);
    const source = await fileSource(file.path, 0, 40_000);
    const first = await source.read(16_000);
    source.release?.(first.subarray(0, 8000));
    const second = await source.read(16_000);
    expect(second.buffer).not.toBe(first.buffer);
    source.release?.(second);
    const third = await source.read(16_000);
    expect(third.buffer).toBe(second.buffer);
    expect(Buffer.compare(third, file.bytes.subarray(32_000))).toBe(0);
    await source.close();
  });
});
