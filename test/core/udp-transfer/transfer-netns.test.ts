// Real kernel loss: the sender in one network namespace, the receiver in another, the
// receiver's nftables dropping 5 % of incoming UDP at random. Each side is a separate node
// process running the transfer harness. Needs root, iproute2 and nftables (CI has them);
// skipped with a message elsewhere.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';
import { type LossyLink, bundleHarness, createLossyLink, netnsUnavailableReason, runInNamespace } from '../../helpers/udp-netns.ts';

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`skipping the kernel-loss UDP transfer test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('UDP transfer through a namespace that drops 5 % of UDP', () => {
  let link: LossyLink | undefined;
  let dir: string;
  let harness: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-netns-'));
    harness = await bundleHarness(path.join(dir, 'harness.mjs'));
    link = createLossyLink(5);
  });

  afterAll(() => {
    link?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('arrives byte for byte while the kernel drops datagrams', async () => {
    const seed = testSeed();
    const file = path.join(dir, 'source.bin');
    const bytes = randomBytes(seededRandom(seed), 8 * 1024 * 1024 + 11);
    writeFileSync(file, bytes);
    const out = path.join(dir, 'received.bin');
    const dropsBefore = link!.droppedPackets();

    const sender = runInNamespace(link!.sender.namespace, process.execPath, [harness, 'send', '--host', link!.sender.address, '--file', file]);
    const { listening } = await sender.nextReport();
    const receiver = runInNamespace(link!.receiver.namespace, process.execPath, [
      harness,
      'receive',
      '--connect',
      `${link!.sender.address}:${listening}`,
      '--bind',
      link!.receiver.address,
      '--out',
      out,
    ]);
    const [received, sent] = await Promise.all([receiver.nextReport(), sender.nextReport()]);
    expect(await receiver.exited, receiver.stderr()).toBe(0);
    expect(await sender.exited, sender.stderr()).toBe(0);

    const dropped = link!.droppedPackets() - dropsBefore;
    expect(dropped, 'the nftables rule dropped nothing').toBeGreaterThan(0);
    expect(Buffer.compare(readFileSync(out), Buffer.from(bytes)), `seed ${seed}`).toBe(0);
    // Every dropped datagram was resent (the TCP control connection is not UDP: never dropped).
    expect(sent.chunkBytes).toBe(1364);
    expect(sent.retransmissions as number).toBeGreaterThanOrEqual(dropped);
    expect(received.bytes).toBe(bytes.length);
  }, 60_000);
});
