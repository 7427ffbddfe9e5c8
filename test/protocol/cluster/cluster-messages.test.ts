import { describe, expect, it } from 'vitest';
import {
  compareBoots,
  compareClaims,
  decodeClusterPacket,
  decodeLease,
  encodeClusterBody,
  encodeClusterPacket,
  encodeLease,
  leaseKey,
  makeBootId,
  type ClusterBody,
} from '../../../src/protocol/cluster/cluster-messages.ts';

const LIMITS = { maxNameLength: 8, maxTextLength: 10, maxStateUsers: 2, maxGroupsPerUser: 1, maxPacketItems: 3 };
const envelope = { node: 'n-1', boot: makeBootId(1_700_000_000_000, 'ab12'), seq: 1 };
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('cluster messages', () => {
  it('round-trips every kind of message, alone and in packets of several', () => {
    const messages: ClusterBody[] = [
      { t: 'hb' },
      { t: 'sync' },
      { t: 'bye' },
      { t: 'state', users: [{ name: 'ann', groups: ['crew'] }] },
      { t: 'join', name: 'ann' },
      { t: 'leave', name: 'ann', reason: 'quit' },
      { t: 'bcast', from: 'ann', text: 'hi' },
      { t: 'priv', from: 'ann', to: 'bob', text: 'hi' },
      { t: 'gjoin', group: 'crew', name: 'ann' },
      { t: 'gleave', group: 'crew', name: 'ann' },
      { t: 'gmsg', group: 'crew', from: 'ann', text: 'hi' },
      { t: 'evict', name: 'ann', loser: 'n-2' },
    ];
    const packet = (items: ClusterBody[]) => decodeClusterPacket(encodeClusterPacket(envelope, items.map(encodeClusterBody)), LIMITS);
    for (const message of messages) expect(packet([message])).toEqual({ ...envelope, items: [message] });
    expect(packet(messages.slice(4, 7))).toEqual({ ...envelope, items: messages.slice(4, 7) });
    expect(packet(messages.slice(4, 8))).toBeUndefined(); // one past maxPacketItems
    expect(packet([])).toBeUndefined();
  });

  it('cuts a leave reason longer than every node takes (a long QUIT message), so that its packet still arrives', () => {
    const long = `quit: ${'x'.repeat(600)}😀${'y'.repeat(3000)}`;
    const items = [encodeClusterBody({ t: 'bcast', from: 'ann', text: 'last' }), encodeClusterBody({ t: 'leave', name: 'ann', reason: long })];
    const packet = decodeClusterPacket(encodeClusterPacket(envelope, items), LIMITS);
    expect(packet?.items[0]).toEqual({ t: 'bcast', from: 'ann', text: 'last' });
    const reason = (packet?.items[1] as { reason: string }).reason;
    expect(reason.length).toBeLessThanOrEqual(512);
    expect(reason).toMatch(/^quit: x+…$/);
    // Cut inside a surrogate pair, the half is dropped.
    const emoji = encodeClusterBody({ t: 'leave', name: 'ann', reason: `${'x'.repeat(510)}😀😀` });
    expect(JSON.parse(emoji).reason).toBe(`${'x'.repeat(510)}…`);
  });

  it('drops what breaks the rules or the limits, at the limit and one past it', () => {
    const ok = (value: { node?: string; seq?: number; boot?: string } & Record<string, unknown>) => {
      const { node, seq, boot, ...body } = value;
      return decodeClusterPacket(bytes({ ...envelope, ...(node && { node }), ...(seq !== undefined && { seq }), ...(boot && { boot }), items: [body] }), LIMITS);
    };
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
    expect(decodeClusterPacket(new Uint8Array([0xff, 0x7b]), LIMITS)).toBeUndefined();
    expect(decodeClusterPacket(bytes(null), LIMITS)).toBeUndefined();
    expect(decodeClusterPacket(bytes({ ...envelope, items: [null] }), LIMITS)).toBeUndefined();
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
