import { describe, expect, it } from 'vitest';
import {
  compareBoots,
  compareClaims,
  decodeClusterMessage,
  decodeLease,
  encodeClusterMessage,
  encodeLease,
  leaseKey,
  makeBootId,
  type ClusterMessage,
} from '../../../src/protocol/cluster/cluster-messages.ts';

const LIMITS = { maxNameLength: 8, maxTextLength: 10, maxStateUsers: 2, maxGroupsPerUser: 1 };
const envelope = { node: 'n-1', boot: makeBootId(1_700_000_000_000, 'ab12'), seq: 1 };
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('cluster messages', () => {
  it('round-trips every kind of message', () => {
    const messages: ClusterMessage[] = [
      { ...envelope, t: 'hb' },
      { ...envelope, t: 'sync' },
      { ...envelope, t: 'bye' },
      { ...envelope, t: 'state', users: [{ name: 'ann', groups: ['crew'] }] },
      { ...envelope, t: 'join', name: 'ann' },
      { ...envelope, t: 'leave', name: 'ann', reason: 'quit' },
      { ...envelope, t: 'bcast', from: 'ann', text: 'hi' },
      { ...envelope, t: 'priv', from: 'ann', to: 'bob', text: 'hi' },
      { ...envelope, t: 'gjoin', group: 'crew', name: 'ann' },
      { ...envelope, t: 'gleave', group: 'crew', name: 'ann' },
      { ...envelope, t: 'gmsg', group: 'crew', from: 'ann', text: 'hi' },
      { ...envelope, t: 'evict', name: 'ann', loser: 'n-2' },
    ];
    for (const message of messages) expect(decodeClusterMessage(encodeClusterMessage(message), LIMITS)).toEqual(message);
  });

  it('drops what breaks the rules or the limits, at the limit and one past it', () => {
    const ok = (value: object) => decodeClusterMessage(bytes({ ...envelope, ...value }), LIMITS);
    expect(ok({ t: 'bcast', from: 'ann', text: 'x'.repeat(10) })).toBeDefined();
    expect(ok({ t: 'bcast', from: 'ann', text: 'x'.repeat(11) })).toBeUndefined();
    expect(ok({ t: 'join', name: 'a'.repeat(8) })).toBeDefined();
    expect(ok({ t: 'join', name: 'a'.repeat(9) })).toBeUndefined();
    expect(ok({ t: 'join', name: 'server' })).toBeUndefined();
    expect(ok({ t: 'join', name: 'a b' })).toBeUndefined();
    const user = { name: 'ann', groups: ['g'] };
    expect(ok({ t: 'state', users: [user, { ...user, name: 'bob' }] })).toBeDefined();
    expect(ok({ t: 'state', users: [user, user, user] })).toBeUndefined();
    expect(ok({ t: 'state', users: [{ name: 'ann', groups: ['g', 'h'] }] })).toBeUndefined();
    expect(ok({ t: 'nope' })).toBeUndefined();
    expect(ok({ t: 'hb', node: 'a.b' })).toBeUndefined();
    expect(ok({ t: 'hb', seq: 0 })).toBeUndefined();
    expect(ok({ t: 'hb', boot: 'x' })).toBeUndefined();
    expect(decodeClusterMessage(new Uint8Array([0xff, 0x7b]), LIMITS)).toBeUndefined();
    expect(decodeClusterMessage(bytes(null), LIMITS)).toBeUndefined();
  });

  it('orders incarnations by start time and claims by time, then node id', () => {
    expect(compareBoots(makeBootId(1000, 'ff'), makeBootId(2000, '00'))).toBeLessThan(0);
    expect(compareBoots(makeBootId(2000, '00'), makeBootId(1000, 'ff'))).toBeGreaterThan(0);
    const claim = { node: 'b', boot: envelope.boot, name: 'ann', at: 5 };
    expect(compareClaims(claim, { ...claim, at: 6 })).toBeLessThan(0);
    expect(compareClaims({ ...claim, node: 'a' }, claim)).toBeLessThan(0);
    expect(decodeLease(encodeLease(claim))).toEqual(claim);
    expect(decodeLease(bytes({ node: 'a' }))).toBeUndefined();
  });

  it('turns any name into a KV key of allowed characters, the same for every case', () => {
    expect(leaseKey('ann.')).toMatch(/^[0-9a-z]+$/);
    expect(leaseKey('ann.')).toBe('n616e6e2e');
  });
});
