// The backplane: what cluster nodes share, behind one interface with one driver per engine
// (NATS for real, memory for tests). Two halves:
// - messages: each node publishes on its own channel and hears everyone's (its own included;
//   the cluster logic drops those by node id). At most once, in order per publisher.
// - name leases: a key-value store with compare-and-set on revisions, where entries vanish a
//   bucket-wide time after their last write (no per-key TTL: nats-server 2.9).
// Drivers never throw at the cluster logic: failures come back as `unavailable` results and
// status changes, so a NATS outage is a state, not an exception.

export interface LeaseEntry {
  value: Uint8Array;
  revision: number;
}

export type LeaseWrite = { ok: true; revision: number } | { ok: false; why: 'conflict' | 'unavailable' };

export interface LeaseStore {
  /** Write `key` only if nobody holds it; `conflict` when someone does. */
  create(key: string, value: Uint8Array): Promise<LeaseWrite>;
  /** Rewrite `key` only if its revision is still `revision` (renewal, takeover); `conflict` otherwise, or when it is gone. */
  update(key: string, value: Uint8Array, revision: number): Promise<LeaseWrite>;
  /** The current entry; undefined when there is none; 'unavailable' when it cannot be read. */
  get(key: string): Promise<LeaseEntry | undefined | 'unavailable'>;
  /** Delete `key` if its revision is still `revision`; false when it was not deleted. */
  delete(key: string, revision: number): Promise<boolean>;
  /** Every current entry (a start-up scan for leftovers of an earlier run). */
  entries(): Promise<Array<LeaseEntry & { key: string }> | 'unavailable'>;
}

export type BackplaneStatus = 'up' | 'down';

export interface Backplane {
  /** Publish on this node's channel. Never blocks, never throws. */
  publish(bytes: Uint8Array): void;
  /** Hear every node's channel; set once. */
  subscribe(onMessage: (bytes: Uint8Array) => void): void;
  /** Told when the link to the engine is lost and when it is back (resubscribed). */
  onStatus(listener: (status: BackplaneStatus) => void): void;
  readonly leases: LeaseStore;
  /** The lease bucket's TTL as the store has it (the first node to create it chose it); 0 for none. */
  readonly leaseTtlMs: number;
  /** Send what is queued and disconnect. */
  close(): Promise<void>;
}
