// Names as leases in the backplane's key-value store. nats-server 2.9 has no per-key TTL, only a
// bucket-wide one: an entry vanishes that long after its last write. So a lease is an entry that
// its node rewrites (compare-and-set on the revision it wrote) well within the TTL while the
// user stays; a node that dies stops rewriting, and its leases vanish by themselves, or sooner,
// when a surviving node declares it dead and deletes them (again by revision, so it never
// deletes a lease someone has renewed or taken since).
//
// While the backplane is down a name cannot be checked: it is admitted provisionally (the node
// keeps serving its own users) and written once the backplane is back. If meanwhile another node
// took the same name, the earlier claim wins (then the smaller node id): the winner's node
// overwrites the lease and tells the loser's node, whose user is told and unregistered. Every
// node reaches the same verdict from the two lease values, whichever reconnects first.
import { compareClaims, decodeLease, encodeLease, leaseKey, type LeaseValue } from '../../protocol/cluster/cluster-messages.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import type { Clock } from '../shared/clock.ts';
import type { LeaseStore } from './backplane.ts';

interface HeldLease {
  value: LeaseValue;
  /** The revision we last wrote; undefined while provisional. */
  revision: number | undefined;
}

export interface NameLeaseHooks {
  /** Whether the backplane is up (else claims are provisional). */
  online(): boolean;
  /** Our user of `name` lost it to `winner`'s. */
  lost(name: string, winner: string): void;
  /** We took `name` over from `loser`'s user. */
  tookOver(name: string, loser: string): void;
  /** Whether `holder`'s node is surely gone (we would have heard it were it alive): its lease may be taken. */
  holderGone(holder: LeaseValue): boolean;
}

/** Tries at a claim whose entry changes under it (expired, or deleted by a survivor of its dead holder). */
const CLAIM_ATTEMPTS = 3;
/** Attempts at settling one conflict before leaving it to the next renewal. */
const MAX_RESOLVE_ATTEMPTS = 3;

export class NameLeases {
  private readonly held = new Map<string, HeldLease>();
  /** Leases released whose delete did not go through (the store was down): deleted at the next renewal. */
  private readonly unreleased = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: LeaseStore,
    private readonly self: { node: string; boot: string },
    private readonly clock: Pick<Clock, 'wallNow'>,
    private readonly hooks: NameLeaseHooks,
  ) {}

  get size(): number {
    return this.held.size;
  }

  isProvisional(name: string): boolean {
    const lease = this.held.get(nameKey(name));
    return lease !== undefined && lease.revision === undefined;
  }

  /** 'ok' when the name is ours (provisionally while the backplane is down), 'taken' when another node holds it. */
  async claim(name: string): Promise<'ok' | 'taken'> {
    const value: LeaseValue = { node: this.self.node, boot: this.self.boot, name, at: this.clock.wallNow() };
    const key = leaseKey(nameKey(name));
    const lease: HeldLease = { value, revision: undefined };
    if (!this.hooks.online()) return this.hold(name, lease);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const created = await this.track(this.store.create(key, encodeLease(value)));
      if (created.ok) return this.hold(name, { value, revision: created.revision });
      if (created.why === 'unavailable') return this.hold(name, lease);
      const entry = await this.track(this.store.get(key));
      if (entry === 'unavailable') return 'taken';
      if (entry === undefined) continue; // expired or deleted in between: try again
      const holder = decodeLease(entry.value);
      // A lease of ours from before a restart is ours to take back, and so is one of this run
      // that we no longer hold (released while the store was down), and one of a node that died
      // unnoticed (before we started): each would otherwise last the bucket's TTL.
      const ours = holder?.node === this.self.node && (holder.boot !== this.self.boot || !this.held.has(nameKey(name)));
      if (!holder || !(ours || this.hooks.holderGone(holder))) return 'taken';
      const updated = await this.track(this.store.update(key, encodeLease(value), entry.revision));
      if (updated.ok) return this.hold(name, { value, revision: updated.revision });
      if (updated.why === 'unavailable') return 'taken';
      // Changed under us: another survivor may have deleted the dead holder's lease meanwhile.
    }
    return 'taken';
  }

  private hold(name: string, lease: HeldLease): 'ok' {
    this.held.set(nameKey(name), lease);
    return 'ok';
  }

  release(name: string): void {
    const lease = this.held.get(nameKey(name));
    if (!lease) return;
    this.held.delete(nameKey(name));
    if (lease.revision !== undefined) void this.deleteReleased(nameKey(name), lease.revision);
  }

  /**
   * Rewrite every lease (renewal, and after a reconnect: provisional ones are written now), and
   * delete again those released while the store was down, which would otherwise block their
   * names until the bucket's TTL.
   */
  async renewAll(): Promise<void> {
    const unreleased = [...this.unreleased];
    this.unreleased.clear();
    await Promise.all([
      ...[...this.held.keys()].map((key) => this.renew(key)),
      ...unreleased.map(([key, revision]) => this.deleteReleased(key, revision, true)),
    ]);
  }

  private async deleteReleased(key: string, revision: number, again = false): Promise<void> {
    if (this.held.has(key)) return; // claimed here again meanwhile: the lease lives on
    if (await this.track(this.store.delete(leaseKey(key), revision))) return;
    // Not deleted: the store is down, or the entry changed (someone else's now). A first failure
    // is kept for the next renewal; a retry is kept only while the store is still down.
    if ((!again || !this.hooks.online()) && !this.held.has(key)) this.unreleased.set(key, revision);
  }

  /** Check one lease again now (another node says it took the name). */
  recheck(name: string): Promise<void> {
    const lease = this.held.get(nameKey(name));
    return lease ? this.resolve(nameKey(name), lease) : Promise.resolve();
  }

  private async renew(key: string): Promise<void> {
    const lease = this.held.get(key);
    if (!lease) return;
    const bytes = encodeLease(lease.value);
    const written =
      lease.revision === undefined
        ? await this.track(this.store.create(leaseKey(key), bytes))
        : await this.track(this.store.update(leaseKey(key), bytes, lease.revision));
    if (this.held.get(key) !== lease) return;
    if (written.ok) lease.revision = written.revision;
    else if (written.why === 'conflict') await this.resolve(key, lease);
  }

  /** Someone else wrote our name's entry (or it vanished): settle who keeps the name. */
  private async resolve(key: string, lease: HeldLease): Promise<void> {
    const bytes = encodeLease(lease.value);
    for (let attempt = 0; attempt < MAX_RESOLVE_ATTEMPTS; attempt++) {
      const entry = await this.track(this.store.get(leaseKey(key)));
      if (entry === 'unavailable' || this.held.get(key) !== lease) return;
      if (entry === undefined) {
        const created = await this.track(this.store.create(leaseKey(key), bytes));
        if (this.held.get(key) !== lease) return;
        if (created.ok) lease.revision = created.revision;
        if (created.ok || created.why === 'unavailable') return;
        continue;
      }
      const holder = decodeLease(entry.value);
      if (holder && holder.node === this.self.node && holder.boot === this.self.boot && holder.at === lease.value.at) {
        lease.revision = entry.revision;
        return;
      }
      const foreign = holder && holder.node !== this.self.node;
      if (foreign && compareClaims(holder, lease.value) < 0 && !this.hooks.holderGone(holder)) {
        this.held.delete(key);
        this.hooks.lost(lease.value.name, holder.node);
        return;
      }
      const updated = await this.track(this.store.update(leaseKey(key), bytes, entry.revision));
      if (this.held.get(key) !== lease) return;
      if (updated.ok) {
        lease.revision = updated.revision;
        if (foreign) this.hooks.tookOver(lease.value.name, holder.node);
        return;
      }
      if (updated.why === 'unavailable') return;
    }
  }

  /** Delete leases left by `node`: all of an earlier run of ours (`exceptBoot` = our boot), or those of a dead incarnation (`onlyBoot`). */
  async deleteLeasesOf(node: string, which: { exceptBoot?: string; onlyBoot?: string }): Promise<number> {
    const entries = await this.track(this.store.entries());
    if (entries === 'unavailable') return 0;
    let deleted = 0;
    await Promise.all(
      entries.map(async (entry) => {
        const holder = decodeLease(entry.value);
        if (!holder || holder.node !== node) return;
        if (which.exceptBoot !== undefined && holder.boot === which.exceptBoot) return;
        if (which.onlyBoot !== undefined && holder.boot !== which.onlyBoot) return;
        if (await this.track(this.store.delete(entry.key, entry.revision))) deleted++;
      }),
    );
    return deleted;
  }

  /** Delete every lease we hold (clean stop), and wait for what is still being written. */
  async releaseAll(): Promise<void> {
    for (const name of [...this.held.values()].map((lease) => lease.value.name)) this.release(name);
    await this.settled();
  }

  /** Resolves when no store operation is in flight. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    void operation.finally(() => this.inFlight.delete(operation)).catch(() => {});
    return operation;
  }
}
