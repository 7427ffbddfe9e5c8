// The cluster logic on the in-memory backplane: presence, names, relaying, and the failures a
// real cluster has (partitions, lost and reordered messages, dead and restarted nodes), driven
// by a fake clock and by deciding when messages arrive.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import type { ChatGroup, RegistryMember } from '../../../src/core/chat/user-registry.ts';
import { ClusterNode } from '../../../src/core/cluster/cluster-node.ts';
import { leaseTtlMs, type ClusterEvent } from '../../../src/core/cluster/cluster-options.ts';
import { MemoryHub, type MemoryBackplane } from '../../../src/core/cluster/memory-backplane.ts';
import { decodeClusterPacket, encodeClusterBody, encodeClusterPacket } from '../../../src/protocol/cluster/cluster-messages.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const HEARTBEAT = 1000;
const DEAD_AFTER = 5000;
const text = new TextDecoder();

interface TestMember extends RegistryMember {
  lines(): string[];
}

function member(): TestMember {
  const received: Uint8Array[] = [];
  return {
    name: undefined,
    groups: undefined as Set<ChatGroup> | undefined,
    sendBytes(bytes: Uint8Array) {
      received.push(bytes);
    },
    lines: () => received.map((b) => text.decode(b).replace(/\n$/, '')),
  };
}

interface TestNode {
  node: ClusterNode;
  backplane: MemoryBackplane;
  events: ClusterEvent[];
  published: Uint8Array[];
}

let clock: FakeClock;
let hub: MemoryHub;
let nodes: TestNode[] = [];
let hexCounter = 0;

function setup(): void {
  clock = new FakeClock();
  hub = new MemoryHub(clock, leaseTtlMs(DEAD_AFTER));
  nodes = [];
}

async function startNode(id: string, limits: ChatLimits = DEFAULT_CHAT_LIMITS): Promise<TestNode> {
  const backplane = hub.connect();
  const published: Uint8Array[] = [];
  const publish = backplane.publish.bind(backplane);
  backplane.publish = (bytes) => {
    published.push(bytes);
    publish(bytes);
  };
  const events: ClusterEvent[] = [];
  const options = { nodeId: id, heartbeatMs: HEARTBEAT, deadAfterMs: DEAD_AFTER, renewEveryMs: DEAD_AFTER, maxStateUsers: 1000 };
  const node = new ClusterNode(backplane, limits, clock, options, (e) => events.push(e), (++hexCounter).toString(16).padStart(8, '0'));
  await node.start();
  const entry = { node, backplane, events, published };
  nodes.push(entry);
  await settle();
  return entry;
}

/** Let every pending store operation finish and every message arrive, until nothing moves. */
async function settle(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (hub.deliver() === 0 && round > 2) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (hub.pending === 0) return;
    }
  }
}

/** Move the fake clock in heartbeat steps, letting messages and store operations through between. */
async function pass(ms: number): Promise<void> {
  for (let passed = 0; passed < ms; passed += HEARTBEAT) {
    clock.advance(Math.min(HEARTBEAT, ms - passed));
    await settle();
  }
}

async function join(node: TestNode, name: string): Promise<{ user: TestMember; refused: string | undefined }> {
  const user = member();
  const refused = await node.node.registry.claim(user, name, () => true);
  await settle();
  return { user, refused };
}

const named = (user: TestMember) => user as TestMember & { name: string };

afterEach(async () => {
  for (const { node } of nodes) await node.stop();
});

describe('ClusterNode on the memory backplane', () => {
  it('makes users, messages and groups cluster-wide, each delivered once and never published again', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    const { user: ann } = await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    expect(ann.lines()).toContain('[Server] bob has joined the chat.');
    expect(b.node.registry.userPage(undefined, 10).entries).toEqual(['ann', 'bob']);
    expect(a.node.registry.userCount).toBe(2);

    const publishedByB = b.published.length;
    const publishedByA = a.published.length;
    a.node.registry.broadcast(named(ann), 'hello 1');
    a.node.registry.broadcast(named(ann), 'hello 2');
    expect(a.node.registry.unicast(named(ann), 'BOB', 'psst')).toBeUndefined();
    await settle();
    // One turn's messages travel as one packet.
    expect(a.published.length - publishedByA).toBe(1);
    expect(bob.lines().filter((l) => !l.startsWith('[Server]'))).toEqual([
      '[Broadcast] ann: hello 1',
      '[Broadcast] ann: hello 2',
      '[Private] ann: psst',
    ]);
    expect(ann.lines().filter((l) => l.startsWith('[Broadcast]'))).toEqual([]);
    // What b received from a, b delivered and did not publish.
    const kinds = b.published.slice(publishedByB).flatMap((bytes) => decodeClusterPacket(bytes, LIMITS)!.items.map((item) => item.t));
    expect(kinds).not.toContain('bcast');
    expect(kinds).not.toContain('priv');

    b.node.registry.joinGroup(named(bob), 'crew');
    await settle();
    const group = a.node.registry.joinGroup(named(ann), 'Crew');
    expect(typeof group === 'object' && group.members.size).toBe(2);
    await settle();
    expect(bob.lines()).toContain('[Server] ann joined group crew.');
    a.node.registry.groupMessage(named(ann), 'crew', 'in the group');
    await settle();
    expect(bob.lines().at(-1)).toBe('[Group crew] ann: in the group');
    expect(b.node.registry.groupPage(undefined, 10).entries).toEqual([{ name: 'crew', members: 2 }]);

    a.node.registry.remove(ann, 'quit');
    await settle();
    expect(bob.lines().at(-1)).toBe('[Server] ann has left the chat (quit).');
    expect(b.node.registry.userCount).toBe(1);
  });

  it('keeps groups cluster-wide when two nodes at their --max-groups each make one at the same moment', async () => {
    setup();
    const limits = { ...DEFAULT_CHAT_LIMITS, maxGroups: 1 };
    const a = await startNode('a', limits);
    const b = await startNode('b', limits);
    const { user: ann } = await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    expect(typeof a.node.registry.joinGroup(named(ann), 'ga')).toBe('object');
    expect(typeof b.node.registry.joinGroup(named(bob), 'gb')).toBe('object');
    await settle();
    for (const node of [a, b]) {
      expect(node.node.registry.groupPage(undefined, 10).entries).toEqual([
        { name: 'ga', members: 1 },
        { name: 'gb', members: 1 },
      ]);
    }
    // This node's own users still meet its limit.
    expect(a.node.registry.joinGroup(named(ann), 'gc')).toBe('GROUPS_FULL');
  });

  it('refuses a name held on another node, in any case, and one being claimed on the same node', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    expect((await join(a, 'Ann')).refused).toBeUndefined();
    expect((await join(b, 'aNN')).refused).toBe('NAME_TAKEN');
    const first = a.node.registry.claim(member(), 'cy', () => true);
    const second = a.node.registry.claim(member(), 'CY', () => true);
    expect(await second).toBe('NAME_TAKEN');
    expect(await first).toBeUndefined();
    expect((await join(b, 'bad name')).refused).toBe('NAME_INVALID');
  });

  it('frees the lease of a claim whose connection closed while it was being checked', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    expect(await a.node.registry.claim(member(), 'gone', () => false)).toBeUndefined();
    await settle();
    expect(hub.leaseKeys()).toEqual([]);
    expect((await join(b, 'gone')).refused).toBeUndefined();
  });

  it('declares a silent node dead past the bound: its users are announced gone and their names free', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    hub.cut(a.backplane, true);
    await pass(DEAD_AFTER - HEARTBEAT);
    expect(bob.lines()).not.toContain('[Server] ann has left the chat (server unreachable).');
    await pass(2 * HEARTBEAT);
    expect(bob.lines()).toContain('[Server] ann has left the chat (server unreachable).');
    expect(b.events).toContainEqual({ type: 'node-dead', node: 'a', users: 1 });
    expect((await join(b, 'ann')).refused).toBeUndefined();
    // a, cut off, declared nobody dead: it is the one that could not hear.
    expect(a.events.filter((e) => e.type === 'node-dead')).toEqual([]);
    expect(a.events).toContainEqual({ type: 'backplane-down' });
  });

  it('ignores a late heartbeat of an earlier incarnation and duplicated messages', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    const oldBeat = encodeClusterPacket({ node: 'a', boot: '1-00', seq: 999 }, [encodeClusterBody({ t: 'hb' })]);
    hub.inject(b.backplane, oldBeat);
    a.node.registry.broadcast(named(a.node.registry.localUser('ann')! as TestMember), 'once');
    await Promise.resolve(); // the turn's packet goes out
    const [bytes] = hub.pendingFor(b.backplane);
    hub.inject(b.backplane, bytes!);
    await settle();
    expect(bob.lines().filter((l) => l === '[Broadcast] ann: once')).toHaveLength(1);
    expect(b.node.registry.userCount).toBe(2);
  });

  it('asks for the whole state again when a message was lost', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    a.node.registry.claim(member(), 'cy', () => true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
    hub.drop(); // cy's join never arrives
    expect(b.node.registry.userPage(undefined, 10).entries).toEqual(['ann', 'bob']);
    await pass(HEARTBEAT); // a's next heartbeat shows the gap
    expect(b.node.registry.userPage(undefined, 10).entries).toEqual(['ann', 'bob', 'cy']);
    expect(bob.lines()).toContain('[Server] cy has joined the chat.');
  });

  it('a node restarting under the same id replaces its earlier incarnation and deletes its leftover leases', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    hub.cut(a.backplane, true); // killed: no bye
    const again = await startNode('a');
    await settle();
    expect(again.events).toContainEqual({ type: 'leftovers-deleted', leases: 1 });
    expect(bob.lines()).toContain('[Server] ann has left the chat (server restarted).');
    expect((await join(again, 'ann')).refused).toBeUndefined();
  });

  it('resolves a name claimed on both sides of a partition: the earlier claim wins, the loser is told', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    hub.cut(a.backplane, true);
    const early = await join(a, 'dup'); // provisional on a
    clock.advance(10);
    const late = await join(b, 'dup'); // checked on b, later
    expect(early.refused).toBeUndefined();
    expect(late.refused).toBeUndefined();
    const other = await join(b, 'eve');
    hub.cut(a.backplane, false);
    await settle();
    await pass(HEARTBEAT);
    expect(late.user.lines().some((l) => l.startsWith('ERROR NAME_TAKEN '))).toBe(true);
    expect(late.user.name).toBeUndefined();
    expect(early.user.name).toBe('dup');
    expect(b.events).toContainEqual({ type: 'name-lost', name: 'dup', winner: 'a' });
    expect(b.node.registry.userPage(undefined, 10).entries).toEqual(['dup', 'eve']);
    expect(a.node.registry.userPage(undefined, 10).entries).toEqual(['dup', 'eve']);
    expect(other.user.lines()).toContain('[Server] dup has joined the chat.');
  });

  it('the same partition seen from the other side: the later, provisional claim loses', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    const early = await join(b, 'dup');
    hub.cut(a.backplane, true);
    clock.advance(10);
    const late = await join(a, 'dup'); // a still sees b's dup: refused locally
    expect(late.refused).toBe('NAME_TAKEN');
    const [lateLocal] = [await join(a, 'zed')];
    hub.cut(a.backplane, false);
    await settle();
    await pass(HEARTBEAT);
    expect(early.user.name).toBe('dup');
    expect(lateLocal.user.name).toBe('zed');
    expect(b.node.registry.userPage(undefined, 10).entries).toEqual(['dup', 'zed']);
  });

  it('takes a name from a node that died before it started, once it has listened past the bound', async () => {
    setup();
    const a = await startNode('a');
    await join(a, 'ann');
    hub.cut(a.backplane, true); // killed, with nobody watching
    const b = await startNode('b');
    expect((await join(b, 'ann')).refused).toBe('NAME_TAKEN');
    await pass(DEAD_AFTER + HEARTBEAT);
    expect(hub.leaseKeys()).toHaveLength(1); // still there: the bucket's TTL is longer
    expect((await join(b, 'ann')).refused).toBeUndefined();
  });

  it('keeps a name for as long as its user stays, renewing the lease within the bucket TTL', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    await pass(3 * hub.leaseTtlMs);
    expect(hub.leaseKeys()).toHaveLength(1);
    expect((await join(b, 'ann')).refused).toBe('NAME_TAKEN');
    a.node.registry.remove(a.node.registry.localUser('ann')!, 'quit');
    await settle();
    expect(hub.leaseKeys()).toEqual([]);
    expect((await join(b, 'ann')).refused).toBeUndefined();
  });

  it('brings group memberships missed in transit back with the state', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    const { user: ann } = await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    b.node.registry.joinGroup(named(bob), 'crew');
    await new Promise((resolve) => setTimeout(resolve, 0));
    hub.drop(); // a never hears that bob joined crew
    a.node.registry.joinGroup(named(ann), 'crew');
    await settle();
    expect(a.node.registry.groupPage(undefined, 10).entries).toEqual([{ name: 'crew', members: 1 }]);
    await pass(HEARTBEAT); // b's heartbeat shows a the gap
    expect(a.node.registry.groupPage(undefined, 10).entries).toEqual([{ name: 'crew', members: 2 }]);
    a.node.registry.groupMessage(named(ann), 'crew', 'found you');
    await settle();
    expect(bob.lines().at(-1)).toBe('[Group crew] ann: found you');
  });

  it('stops cleanly: the others hear goodbye at once and the names are free', async () => {
    setup();
    const a = await startNode('a');
    const b = await startNode('b');
    await join(a, 'ann');
    const { user: bob } = await join(b, 'bob');
    await a.node.stop();
    await settle();
    expect(bob.lines()).toContain('[Server] ann has left the chat (server shutdown).');
    expect(hub.leaseKeys()).toHaveLength(1);
  });
});

const LIMITS = { maxNameLength: 32, maxTextLength: 10_000, maxStateUsers: 1000, maxGroupsPerUser: 20, maxPacketItems: 512 };
