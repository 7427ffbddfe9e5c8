import { describe, expect, it } from 'vitest';
import {
  ChunkLayout,
  MAX_CHUNKS,
  chunkBytesToward,
  datagramsBufferHolds,
  isLoopbackAddress,
  layoutFits,
} from '../../../src/core/udp-transfer/chunk-layout.ts';
import { resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';

describe('chunk layout', () => {
  it.each([
    [0, 0, 100, 0],
    [1, 0, 100, 1],
    [100, 0, 100, 1],
    [101, 0, 100, 2],
    [1000, 999, 100, 1],
    [1000, 1000, 100, 0],
    [1000, 100, 300, 3],
  ])('size %d from %d in chunks of %d: %d chunks', (size, offset, chunk, count) => {
    const layout = new ChunkLayout(size, offset, chunk);
    expect(layout.count).toBe(count);
    let total = 0;
    for (let i = 0; i < count; i++) total += layout.lengthOf(i);
    expect(total).toBe(size - offset);
  });

  it('fits 2^31 chunks and no more', () => {
    expect(layoutFits(new ChunkLayout(MAX_CHUNKS * 10, 0, 10))).toBe(true);
    expect(layoutFits(new ChunkLayout(MAX_CHUNKS * 10 + 1, 0, 10))).toBe(false);
  });
});

describe('datagram size toward a peer', () => {
  const limits = resolveUdpTransferLimits();

  it.each(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'])('is large toward loopback %s', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
    expect(chunkBytesToward(address, undefined, limits)).toBe(65507 - 36);
  });

  it.each(['10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '1270.0.0.1'])('is at most 1,400 bytes toward %s', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
    expect(chunkBytesToward(address, undefined, limits)).toBe(1400 - 36);
  });

  it('follows the receiver asking for smaller, never larger', () => {
    expect(chunkBytesToward('127.0.0.1', 9000, limits)).toBe(9000 - 36);
    expect(chunkBytesToward('10.0.0.1', 9000, limits)).toBe(1400 - 36);
  });
});

describe('datagrams a receive buffer holds', () => {
  // Measured on Linux loopback (6.x): 3,640 datagrams of 1,400 bytes and 126 of 65,507 bytes
  // filled a buffer the kernel reported as 8 MiB. The estimate must stay under three quarters
  // of those: the kernel returns read datagrams' memory in quarter-buffer steps.
  it('stays under what the kernel was measured to hold', () => {
    expect(datagramsBufferHolds(8 * 1024 * 1024, 1400)).toBeLessThanOrEqual(3640);
    expect(datagramsBufferHolds(8 * 1024 * 1024, 1400)).toBeLessThanOrEqual(0.75 * 3640);
    expect(datagramsBufferHolds(8 * 1024 * 1024, 1400)).toBeGreaterThan(2400);
    expect(datagramsBufferHolds(8 * 1024 * 1024, 65507)).toBeLessThanOrEqual(126);
    expect(datagramsBufferHolds(8 * 1024 * 1024, 65507)).toBeLessThanOrEqual(0.75 * 126);
    expect(datagramsBufferHolds(8 * 1024 * 1024, 65507)).toBeGreaterThan(80);
    expect(datagramsBufferHolds(425_984, 8192)).toBeLessThanOrEqual(25);
  });

  it('is at least one', () => {
    expect(datagramsBufferHolds(1000, 65507)).toBe(1);
  });
});
