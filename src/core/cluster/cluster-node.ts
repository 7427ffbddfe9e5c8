// One node of a cluster: what it knows of the other nodes (presence), and how it keeps that true.
// Application-level presence as socket.io's adapters do it: every node heartbeats on its own
// channel; a node silent past `deadAfterMs` is dead, its users are announced gone and its name
// leases deleted. Each node's messages are numbered per incarnation: a gap (a message lost, as
// core NATS may lose them in an outage) or a node not heard of before makes the receiver ask for
// everyone's whole state, which replaces what it knew. A restarted node is a new incarnation:
// its old one's users are dropped, and it deletes its own leftover leases at start.
// While the backplane is down nobody is declared dead (it is us who cannot hear), and on its
// return every node is asked for its state and every lease is written again.
import {
  compareBoots,
  decodeClusterPacket,
  encodeClusterBody,
  encodeClusterPacket,
  makeBootId,
  type ClusterBody,
  type ClusterMessageLimits,
} from '../../protocol/cluster/cluster-messages.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import type { RegistryLimits } from '../chat/user-registry.ts';
import type { Backplane } from './backplane.ts';
import { ClusterRegistry } from './cluster-registry.ts';
import { applyPeerMessage, applyPeerState, dropPeerUsers, type Peer } from './peer-view.ts';
import type { ClusterEventListener, ClusterOptions } from './cluster-options.ts';
import { NameLeases } from './name-leases.ts';

/** What the others are told when a node's users vanish with it. */
export const NODE_LOST_REASON = 'server unreachable';
export const NODE_STOPPED_REASON = 'server shutdown';
const NODE_RESTARTED_REASON = 'server restarted';
/** A packet stays well under NATS's default 1 MB max_payload (a node's state goes alone if larger). */
const MAX_PACKET_ITEMS = 512;
const MAX_PACKET_CHARS = 256 * 1024;


export class ClusterNode {
  readonly registry: ClusterRegistry;
  readonly boot: string;
  private readonly leases: NameLeases;
  private readonly peers = new Map<string, Peer>();
  private readonly messageLimits: ClusterMessageLimits;
  private seq = 0;
  /** Messages of this turn, encoded, not yet published. */
  private pending: string[] = [];
  private pendingChars = 0;
  private online = true;
  private lastSyncAsk = Number.NEGATIVE_INFINITY;
  private lastRenewal: number;
  /** When the backplane last came up (or we started): presence is complete a dead-node bound later. */
  private onlineSince: number;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly backplane: Backplane,
    limits: RegistryLimits & { maxLineBytes: number },
    private readonly clock: Clock,
    private readonly options: ClusterOptions,
    private readonly onEvent: ClusterEventListener,
    randomHex: string,
  ) {
    this.boot = makeBootId(clock.wallNow(), randomHex);
    this.lastRenewal = clock.now();
    this.onlineSince = clock.now();
    // Texts are bounded by what a line may carry after sanitising (3 bytes per replaced byte).
    this.messageLimits = {
      maxNameLength: limits.maxNameLength,
      maxTextLength: 3 * limits.maxLineBytes,
      maxStateUsers: options.maxStateUsers,
      maxGroupsPerUser: Math.max(limits.maxGroupsPerUser, 1),
      maxPacketItems: MAX_PACKET_ITEMS,
    };
    this.registry = new ClusterRegistry(limits, clock, {
      publish: (body) => this.publish(body),
      claimName: (name) => this.leases.claim(name),
      releaseName: (name) => this.leases.release(name),
    });
    this.leases = new NameLeases(backplane.leases, { node: options.nodeId, boot: this.boot }, clock, {
      online: () => this.online,
      lost: (name, winner) => {
        this.onEvent({ type: 'name-lost', name, winner });
        if (this.registry.evictLocal(name)) this.askForState(true);
      },
      tookOver: (name, loser) => this.publish({ t: 'evict', name, loser }),
      holderGone: (holder) => this.holderGone(holder.node, holder.boot),
    });
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Clean up after an earlier run under this id, listen, and ask everyone for their state. */
  async start(): Promise<void> {
    this.backplane.onStatus((status) => (status === 'down' ? this.lostBackplane() : this.regainedBackplane()));
    this.backplane.subscribe((bytes) => this.receive(bytes));
    const leftovers = await this.leases.deleteLeasesOf(this.options.nodeId, { exceptBoot: this.boot });
    if (leftovers > 0) this.onEvent({ type: 'leftovers-deleted', leases: leftovers });
    this.askForState(true);
    this.schedule();
  }

  /** Tell the others we go, free our names, disconnect. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.publish({ t: 'bye' });
    this.flush();
    await this.leases.releaseAll();
    await this.backplane.close();
  }

  /** Queue a message for this turn's packet; the packet goes out when the turn's work is done. */
  private publish(body: ClusterBody): void {
    const encoded = encodeClusterBody(body);
    this.pending.push(encoded);
    this.pendingChars += encoded.length;
    if (this.pending.length >= MAX_PACKET_ITEMS || this.pendingChars >= MAX_PACKET_CHARS) this.flush();
    else if (this.pending.length === 1) queueMicrotask(this.flushSoon);
  }

  private readonly flushSoon = () => this.flush();

  private flush(): void {
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    this.backplane.publish(encodeClusterPacket({ node: this.options.nodeId, boot: this.boot, seq: ++this.seq }, items));
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.tick();
      if (!this.stopped) this.schedule();
    }, this.options.heartbeatMs);
  }

  /** Heartbeat, dead-node check, asking again for missing state, lease renewal. */
  tick(): void {
    const now = this.clock.now();
    this.publish({ t: 'hb' });
    if (!this.online) return;
    for (const [id, peer] of this.peers) {
      if (now - peer.lastSeen > this.options.deadAfterMs) this.declareDead(id, peer);
    }
    if ([...this.peers.values()].some((peer) => !peer.synced)) this.askForState(false);
    if (now - this.lastRenewal >= this.options.renewEveryMs) {
      this.lastRenewal = now;
      void this.leases.renewAll();
    }
  }

  /**
   * A node (incarnation) we do not hear from although we have listened for longer than the
   * dead-node bound: dead, whether or not we ever heard it.
   */
  private holderGone(node: string, boot: string): boolean {
    if (node === this.options.nodeId || !this.online) return false;
    if (this.clock.now() - this.onlineSince <= this.options.deadAfterMs) return false;
    const peer = this.peers.get(node);
    return peer === undefined || compareBoots(peer.boot, boot) > 0;
  }

  private declareDead(id: string, peer: Peer): void {
    this.peers.delete(id);
    const users = dropPeerUsers(this.registry, peer, NODE_LOST_REASON);
    this.onEvent({ type: 'node-dead', node: id, users });
    void this.leases.deleteLeasesOf(id, { onlyBoot: peer.boot });
  }

  private lostBackplane(): void {
    if (!this.online) return;
    this.online = false;
    this.onEvent({ type: 'backplane-down' });
  }

  private regainedBackplane(): void {
    if (this.online) return;
    this.online = true;
    const now = this.clock.now();
    this.onlineSince = now;
    // We could not hear them: they get a full bound from now before being declared dead.
    for (const peer of this.peers.values()) peer.lastSeen = now;
    this.onEvent({ type: 'backplane-up' });
    this.askForState(true);
    this.lastRenewal = now;
    void this.leases.renewAll();
  }

  /** Ask every node for its whole state; `force` skips the once-per-heartbeat pacing. */
  private askForState(force: boolean): void {
    const now = this.clock.now();
    if (!force && now - this.lastSyncAsk < this.options.heartbeatMs) return;
    this.lastSyncAsk = now;
    this.publish({ t: 'sync' });
  }

  private receive(bytes: Uint8Array): void {
    if (this.stopped) return;
    const packet = decodeClusterPacket(bytes, this.messageLimits);
    if (!packet) return this.onEvent({ type: 'bad-message' });
    const first = packet.items[0]!;
    if (packet.node === this.options.nodeId) {
      if (packet.boot !== this.boot && first.t !== 'bye') this.onEvent({ type: 'duplicate-node-id', node: packet.node });
      return;
    }
    let peer = this.peers.get(packet.node);
    if (peer && peer.boot !== packet.boot) {
      // A late packet of an earlier incarnation is ignored; a newer one replaces the old.
      if (compareBoots(packet.boot, peer.boot) < 0) return;
      dropPeerUsers(this.registry, peer, NODE_RESTARTED_REASON);
      this.peers.delete(packet.node);
      peer = undefined;
    }
    if (!peer) {
      if (first.t === 'bye') return;
      peer = { id: packet.node, boot: packet.boot, seq: 0, synced: false, lastSeen: this.clock.now(), users: new Map() };
      this.peers.set(packet.node, peer);
      this.onEvent({ type: 'node-up', node: packet.node });
      if (!packet.items.some((item) => item.t === 'state')) this.askForState(true);
    }
    peer.lastSeen = this.clock.now();
    if (packet.seq <= peer.seq) return; // a duplicate, or overtaken
    if (packet.seq !== peer.seq + 1 && peer.synced) {
      peer.synced = false;
      this.askForState(true);
    }
    peer.seq = packet.seq;
    for (const item of packet.items) {
      if (this.peers.get(packet.node) !== peer) return; // it said goodbye
      this.apply(item, peer);
    }
  }

  private apply(message: ClusterBody, peer: Peer): void {
    switch (message.t) {
      case 'state':
        applyPeerState(this.registry, peer, message.users, NODE_LOST_REASON);
        peer.synced = true;
        return;
      case 'sync':
        this.publish({ t: 'state', users: this.registry.localState() });
        if (!peer.synced) this.askForState(false);
        return;
      case 'evict':
        // Whatever else was missed, the lease store says who holds the name.
        if (message.loser === this.options.nodeId) void this.leases.recheck(message.name);
        return;
      case 'bye':
        this.peers.delete(peer.id);
        this.onEvent({ type: 'node-left', node: peer.id, users: dropPeerUsers(this.registry, peer, NODE_STOPPED_REASON) });
        return;
    }
    // Who is where waits for the peer's state, which covers what was missed; messages need
    // nothing of it and are delivered at once, so chat flows on while nodes resynchronise.
    if (!peer.synced && (message.t === 'join' || message.t === 'leave' || message.t === 'gjoin' || message.t === 'gleave')) return;
    applyPeerMessage(this.registry, peer, message);
  }
}
