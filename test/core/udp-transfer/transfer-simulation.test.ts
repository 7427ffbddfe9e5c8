// The sender and receiver machines against each other over a simulated network (see
// test/helpers/udp-simulated-network.ts). Each run draws a fresh seed and prints it on failure;
// NETCHAT_TEST_SEED=<seed> replays one.
import { describe, expect, it } from 'vitest';
import { type SimulationResult, type SimulationSetup, simulateTransfer } from '../../helpers/udp-simulated-network.ts';
import { testSeed } from '../../helpers/udp-seeded-random.ts';

function run(setup: Omit<SimulationSetup, 'seed'>): SimulationResult {
  return simulateTransfer({ seed: testSeed(), ...setup });
}

/** The run ended with the exact file on both sides. */
function expectExact(result: SimulationResult): void {
  const where = `seed ${result.seed} (replay with NETCHAT_TEST_SEED=${result.seed})`;
  expect({ sender: result.senderState, receiver: result.receiverState, error: result.errorCode }, where).toEqual({
    sender: 'done',
    receiver: 'done',
    error: undefined,
  });
  expect(result.written.length, where).toBe(result.expected.length);
  expect(Buffer.compare(Buffer.from(result.written), Buffer.from(result.expected)), where).toBe(0);
}

const FILE = { size: 2_000_000, chunkBytes: 1000 };

describe('transfer over a simulated network', () => {
  it('sends every chunk once on a clean network, without overrunning the receiver', () => {
    const result = run(FILE);
    expectExact(result);
    expect(result.retransmissions, `seed ${result.seed}`).toBe(0);
    expect(result.datagramsSent).toBe(2000);
    expect(result.dropsByQueue).toBe(0);
  });

  it.each([0.01, 0.05, 0.2, 0.5])('arrives exact at %d random loss, resending only what was lost', (lossRate) => {
    const result = run({ ...FILE, network: { lossRate } });
    expectExact(result);
    const spurious = result.retransmissions - result.dropsByNetwork;
    expect(spurious, `seed ${result.seed}: ${result.retransmissions} resent for ${result.dropsByNetwork} lost`).toBeLessThanOrEqual(20);
  });

  it('arrives exact through bursts of 20 losses in a row', () => {
    const result = run({ ...FILE, network: { burstRate: 0.005, burstLength: 20 } });
    expectExact(result);
    expect(result.dropsByNetwork).toBeGreaterThan(0);
  });

  it('arrives exact when the first chunk is lost three times', () => {
    expectExact(run({ ...FILE, network: { dropRule: (chunk, transmission) => chunk === 0 && transmission < 3 } }));
  });

  it('arrives exact when the last chunk is lost three times', () => {
    expectExact(run({ ...FILE, network: { dropRule: (chunk, transmission) => chunk === 1999 && transmission < 3 } }));
  });

  it('arrives exact when the same chunk retransmission is lost six times over', () => {
    const result = run({ ...FILE, network: { dropRule: (chunk, transmission) => chunk === 700 && transmission < 7 } });
    expectExact(result);
    expect(result.retransmissions).toBeGreaterThanOrEqual(6);
  });

  it('arrives exact with duplicated datagrams', () => {
    const result = run({ ...FILE, network: { duplicateRate: 0.1 } });
    expectExact(result);
    expect(result.duplicatesReceived).toBeGreaterThan(100);
  });

  it('arrives exact with heavy reordering, and loss on top', () => {
    const result = run({ ...FILE, network: { jitterMs: 2, lossRate: 0.02 } });
    expectExact(result);
  });

  it.each([
    ['empty', 0],
    ['1 byte', 1],
    ['one byte short of a chunk', 999],
    ['exactly one chunk', 1000],
    ['one chunk and a byte', 1001],
    ['exactly 64 chunks', 64_000],
  ])('sends a file that is %s', (_, size) => {
    const result = run({ size, chunkBytes: 1000, network: { lossRate: 0.05 } });
    expectExact(result);
    expect(result.written.length).toBe(size);
  });

  it('sends a large file in large chunks at 5 % loss', () => {
    const result = run({ size: 32 * 1024 * 1024 + 7, chunkBytes: 65_471, windowChunks: 120, network: { lossRate: 0.05, queueCapacity: 126, readPerMs: 20 } });
    expectExact(result);
  }, 20_000);

  it.each([
    ['in the middle of a chunk', 123_456],
    ['at a chunk boundary', 500_000],
    ['at the end (nothing left to send)', 2_000_000],
  ])('resumes from an offset %s', (_, offset) => {
    const result = run({ ...FILE, offset, network: { lossRate: 0.05 } });
    expectExact(result);
    expect(result.written.length).toBe(2_000_000 - offset);
  });

  it('never overruns a receive queue that holds exactly its window', () => {
    const result = run({ ...FILE, windowChunks: 64, network: { queueCapacity: 64, readPerMs: 5, linkPerMs: 500 } });
    expectExact(result);
    expect(result.dropsByQueue, `seed ${result.seed}`).toBe(0);
  });

  it('still arrives when the queue holds one datagram less than the window promises', () => {
    const result = run({ ...FILE, windowChunks: 64, network: { queueCapacity: 63, readPerMs: 5, linkPerMs: 500 } });
    expectExact(result);
  });

  it('refuses the file when a datagram was altered on the way (the SHA-256 check)', () => {
    let altered = false;
    const result = run({
      ...FILE,
      tamper(datagram) {
        if (altered || datagram.length < 520) return datagram;
        altered = true;
        const copy = datagram.slice();
        copy[500]! ^= 0xff;
        return copy;
      },
    });
    expect(result.errorCode, `seed ${result.seed}`).toBe('HASH_MISMATCH');
    expect([result.senderState, result.receiverState]).toEqual(['failed', 'failed']);
  });

  it('ends with UNREACHABLE when nothing gets through', () => {
    const result = run({ ...FILE, network: { lossRate: 1 }, sender: { unreachableTimeoutMs: 1000 } });
    expect(result.errorCode).toBe('UNREACHABLE');
    expect(result.senderState).toBe('failed');
    expect(result.elapsedMs).toBeLessThan(1500);
  });
});
