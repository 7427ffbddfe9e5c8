import { describe, expect, it } from 'vitest';
import { normalizeAddress, UdpReplyGuard } from '../../../src/core/echo/udp-reply-guard.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const OWN_PORT = 12345;

function guard(limits = { maxRepliesPerAddress: 0, maxRepliesPerSecond: 0 }, own: string[] = ['192.0.2.7', 'fe80::1']) {
  const clock = { time: 5_000 };
  return { clock, guard: new UdpReplyGuard(limits, OWN_PORT, own, () => clock.time) };
}

describe('UdpReplyGuard', () => {
  it.each([
    ['127.0.0.1', OWN_PORT],
    ['127.1.2.3', OWN_PORT],
    ['::1', OWN_PORT],
    ['::ffff:127.0.0.1', OWN_PORT],
    ['192.0.2.7', OWN_PORT],
    ['::ffff:192.0.2.7', OWN_PORT],
    ['FE80::1%eth0', OWN_PORT],
  ])('refuses its own socket as the source: %s port %i', (address, port) => {
    expect(guard().guard.check({ address, port }, bytes('x'))).toBe('own-address');
  });

  it.each([
    ['another port on its own address', '127.0.0.1', OWN_PORT + 1],
    ['its port on another address', '192.0.2.8', OWN_PORT],
  ])('answers %s', (_, address, port) => {
    expect(guard().guard.check({ address, port }, bytes('x'))).toBeUndefined();
  });

  it.each([
    [0, 'reserved-port'],
    [7, 'reserved-port'],
    [53, 'reserved-port'],
    [1023, 'reserved-port'],
    [1024, undefined],
  ])('source port %i → %s', (port, expected) => {
    expect(guard().guard.check({ address: '198.51.100.1', port }, bytes('x'))).toBe(expected);
  });

  it.each([
    ['a whole echo reply', '1700000000.123456:x', 'looks-like-reply'],
    ['an echo reply to nothing', '1700000000.123456:', 'looks-like-reply'],
    ['a short timestamp', '1.000000:x', 'looks-like-reply'],
    ['five decimals', '1700000000.12345:x', undefined],
    ['no colon', '1700000000.123456x', undefined],
    ['a timestamp alone', '1700000000.123456', undefined],
    ['text with digits', '12:30 lunch', undefined],
  ])('%s → %s', (_, text, expected) => {
    expect(guard().guard.check({ address: '198.51.100.1', port: 40000 }, bytes(text))).toBe(expected);
  });

  it('answers an address up to its cap in one second, not once more, whatever its ports', () => {
    const { guard: g } = guard({ maxRepliesPerAddress: 3, maxRepliesPerSecond: 0 });
    const results = [40000, 40001, 40002, 40003].map((port) => g.check({ address: '198.51.100.1', port }, bytes('x')));
    expect(results).toEqual([undefined, undefined, undefined, 'address-rate']);
    expect(g.check({ address: '198.51.100.2', port: 40000 }, bytes('x'))).toBeUndefined();
    expect(g.check({ address: '::ffff:198.51.100.1', port: 40000 }, bytes('x'))).toBe('address-rate');
  });

  it('answers everyone together up to the total cap in one second, not once more', () => {
    const { guard: g } = guard({ maxRepliesPerAddress: 0, maxRepliesPerSecond: 3 });
    const results = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'].map((address) =>
      g.check({ address, port: 40000 }, bytes('x')),
    );
    expect(results).toEqual([undefined, undefined, undefined, 'total-rate']);
  });

  it('counts afresh once the second is over, and not a millisecond earlier', () => {
    const { guard: g, clock } = guard({ maxRepliesPerAddress: 1, maxRepliesPerSecond: 0 });
    const from = { address: '198.51.100.1', port: 40000 };
    expect(g.check(from, bytes('x'))).toBeUndefined();
    clock.time += 999;
    expect(g.check(from, bytes('x'))).toBe('address-rate');
    clock.time += 1;
    expect(g.check(from, bytes('x'))).toBeUndefined();
  });

  it('does not count refused datagrams against the caps', () => {
    const { guard: g } = guard({ maxRepliesPerAddress: 1, maxRepliesPerSecond: 1 });
    expect(g.check({ address: '198.51.100.1', port: 53 }, bytes('x'))).toBe('reserved-port');
    expect(g.check({ address: '198.51.100.1', port: 40000 }, bytes('1700000000.123456:x'))).toBe('looks-like-reply');
    expect(g.check({ address: '198.51.100.1', port: 40000 }, bytes('x'))).toBeUndefined();
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['FE80::AB%en0', 'fe80::ab'],
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '::1'],
  ])('%s → %s', (address, expected) => {
    expect(normalizeAddress(address)).toBe(expected);
  });
});
