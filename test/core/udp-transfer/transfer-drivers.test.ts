// The drivers on real UDP sockets on 127.0.0.1, real temp files, and a control channel that is
// a real TCP connection or an in-memory pair. Loss comes from a seeded wrapper around the
// sender's socket (the kernel-loss test is transfer-netns.test.ts); failures are in
// transfer-driver-failures.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDatagram } from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import { resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { memoryControlPair } from '../../helpers/udp-control-channels.ts';
import { seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';
import { partialPathOf } from '../../helpers/udp-transfer-files.ts';
import { cleanUp, onCleanUp, receiverSocket, runtime, transfer } from '../../helpers/udp-transfer-fixtures.ts';

afterEach(cleanUp);

const hasIpv6Loopback = Object.values(os.networkInterfaces()).some((addresses) => addresses?.some((entry) => entry.address === '::1'));

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

  // Containers often run without IPv6: then there is no ::1 to test on.
  it.skipIf(!hasIpv6Loopback)('deliver a file over IPv6 loopback, in 64 KiB datagrams toward ::1', async () => {
    const limits = resolveUdpTransferLimits();
    const result = await transfer({
      size: 1024 * 1024,
      setup: { receiverSocket: await receiverSocket(limits, '::1'), control: memoryControlPair('::1', '::1') },
    });
    expectDelivered(result);
    if (result.send.status === 'fulfilled') expect(result.send.value.chunkBytes).toBe(65_507 - 36);
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
    onCleanUp(() => spray.close());
    onCleanUp(() => stranger.close());
    const random = seededRandom(testSeed());
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) {
        void spray.send(Uint8Array.from({ length: 1 + Math.floor(random() * 100) }, () => Math.floor(random() * 256)), socket.address.port, '127.0.0.1');
        void spray.send(encodeDatagram({ transferId: 0x0f0f0f0f, chunkIndex: i, packetNumber: i }, new Uint8Array(1364)), socket.address.port, '127.0.0.1');
        void stranger.send(encodeDatagram({ transferId: 0x5eed0000, chunkIndex: i, packetNumber: i }, new Uint8Array(1364)), socket.address.port, '127.0.0.1');
      }
    }, 1);
    onCleanUp(() => clearInterval(timer));
    const result = await transfer({ size: 2 * 1024 * 1024, maxDatagramBytes: 1400, setup: { receiverSocket: socket, senderAddress: '127.0.0.1', transferId: 0x5eed0000 } });
    clearInterval(timer);
    expectDelivered(result);
    if (result.receive.status !== 'fulfilled') return;
    expect(result.receive.value.malformed + result.receive.value.foreign).toBeGreaterThan(0);
  }, 20_000);
});
