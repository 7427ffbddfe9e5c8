// The backplane in one process, for tests of the cluster logic: a hub that nodes connect to,
// with the failures a real cluster has made explicit and controllable. Messages wait in the hub
// until `deliver()` (so a test decides when they arrive, or hands one over out of order with
// `inject`); `cut` separates a node from the hub as a network partition or a NATS outage would:
// its messages are lost, it hears nothing, its lease operations are unavailable. Leases expire
// a bucket-wide TTL after their last write, by the hub's clock, as a NATS KV bucket's do.
import type { Clock } from '../shared/clock.ts';
import type { Backplane, BackplaneStatus, LeaseEntry, LeaseStore, LeaseWrite } from './backplane.ts';

interface StoredLease {
  value: Uint8Array;
  revision: number;
  writtenAt: number;
}

export class MemoryHub {
  private readonly members = new Set<MemoryBackplane>();
  private readonly leases = new Map<string, StoredLease>();
  private lastRevision = 0;
  private queue: Array<{ to: MemoryBackplane; bytes: Uint8Array }> = [];

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly leaseTtlMs: number,
  ) {}

  connect(): MemoryBackplane {
    const backplane = new MemoryBackplane(this);
    this.members.add(backplane);
    return backplane;
  }

  /** Messages published and not yet delivered. */
  get pending(): number {
    return this.queue.length;
  }

  /** Hand every waiting message to its receiver, in publish order (and those published meanwhile). */
  deliver(): number {
    let count = 0;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      for (const { to, bytes } of batch) {
        if (to.connected && this.members.has(to)) {
          to.receive(bytes);
          count++;
        }
      }
    }
    return count;
  }

  /** Messages waiting for one receiver, in order. */
  pendingFor(to: MemoryBackplane): Uint8Array[] {
    return this.queue.filter((item) => item.to === to).map((item) => item.bytes);
  }

  /** Forget waiting messages (lost in transit). */
  drop(): void {
    this.queue = [];
  }

  /** Hand `bytes` to one node right now, ahead of anything waiting: a reordered or duplicated message. */
  inject(to: MemoryBackplane, bytes: Uint8Array): void {
    to.receive(bytes);
  }

  /** Separate a node from the hub (`true`) or reconnect it; it is told, as a NATS client would be. */
  cut(backplane: MemoryBackplane, cut: boolean): void {
    backplane.setConnected(!cut);
  }

  /** The raw lease store, for assertions. */
  leaseKeys(): string[] {
    this.expire();
    return [...this.leases.keys()];
  }

  publishFrom(from: MemoryBackplane, bytes: Uint8Array): void {
    if (!from.connected) return;
    for (const member of this.members) if (member.connected) this.queue.push({ to: member, bytes });
  }

  leave(backplane: MemoryBackplane): void {
    this.members.delete(backplane);
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [key, lease] of this.leases) if (now - lease.writtenAt >= this.leaseTtlMs) this.leases.delete(key);
  }

  // The lease operations, as a backplane that is connected sees them.
  create(key: string, value: Uint8Array): LeaseWrite {
    this.expire();
    if (this.leases.has(key)) return { ok: false, why: 'conflict' };
    return this.write(key, value);
  }

  update(key: string, value: Uint8Array, revision: number): LeaseWrite {
    this.expire();
    if (this.leases.get(key)?.revision !== revision) return { ok: false, why: 'conflict' };
    return this.write(key, value);
  }

  get(key: string): LeaseEntry | undefined {
    this.expire();
    const lease = this.leases.get(key);
    return lease && { value: lease.value, revision: lease.revision };
  }

  delete(key: string, revision: number): boolean {
    this.expire();
    if (this.leases.get(key)?.revision !== revision) return false;
    this.leases.delete(key);
    return true;
  }

  entries(): Array<LeaseEntry & { key: string }> {
    this.expire();
    return [...this.leases].map(([key, lease]) => ({ key, value: lease.value, revision: lease.revision }));
  }

  private write(key: string, value: Uint8Array): LeaseWrite {
    const revision = ++this.lastRevision;
    this.leases.set(key, { value, revision, writtenAt: this.clock.now() });
    return { ok: true, revision };
  }
}

export class MemoryBackplane implements Backplane {
  connected = true;
  private onMessage: ((bytes: Uint8Array) => void) | undefined;
  private readonly statusListeners: Array<(status: BackplaneStatus) => void> = [];
  readonly leases: LeaseStore;
  readonly leaseTtlMs: number;

  constructor(private readonly hub: MemoryHub) {
    this.leaseTtlMs = hub.leaseTtlMs;
    // Asynchronous like a real store: a result arrives after the caller has moved on.
    const later = <T>(run: () => T, unavailable: T): Promise<T> =>
      Promise.resolve().then(() => (this.connected ? run() : unavailable));
    const down = { ok: false, why: 'unavailable' } as const;
    this.leases = {
      create: (key, value) => later(() => hub.create(key, value), down),
      update: (key, value, revision) => later(() => hub.update(key, value, revision), down),
      get: (key) => later<LeaseEntry | undefined | 'unavailable'>(() => hub.get(key), 'unavailable'),
      delete: (key, revision) => later(() => hub.delete(key, revision), false),
      entries: () => later<Array<LeaseEntry & { key: string }> | 'unavailable'>(() => hub.entries(), 'unavailable'),
    };
  }

  publish(bytes: Uint8Array): void {
    this.hub.publishFrom(this, bytes);
  }

  subscribe(onMessage: (bytes: Uint8Array) => void): void {
    this.onMessage = onMessage;
  }

  onStatus(listener: (status: BackplaneStatus) => void): void {
    this.statusListeners.push(listener);
  }

  receive(bytes: Uint8Array): void {
    this.onMessage?.(bytes);
  }

  setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const listener of this.statusListeners) listener(connected ? 'up' : 'down');
  }

  async close(): Promise<void> {
    this.hub.leave(this);
  }
}
