// A cluster node's settings, with their defaults, and what it reports to whoever runs it.

export interface ClusterOptions {
  /** This node's id: unique in the cluster, the same across restarts (its leftovers are then its own). */
  nodeId: string;
  /** How often a heartbeat goes out (and dead nodes are looked for). */
  heartbeatMs: number;
  /** A node not heard from for this long is dead. */
  deadAfterMs: number;
  /** How often every name lease is rewritten; well under the bucket's TTL. */
  renewEveryMs: number;
  /** The most users one node's state message may list. */
  maxStateUsers: number;
}

export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_DEAD_AFTER_MS = 5_000;
export const DEFAULT_MAX_STATE_USERS = 10_000;

/**
 * The lease bucket's TTL for a dead-node bound: three renewal periods, so that two missed
 * renewals (a slow store, a short outage) never lose a name, and a node that died without
 * anyone noticing frees its names within it.
 */
export function leaseTtlMs(deadAfterMs: number): number {
  return 3 * renewEveryMs(deadAfterMs);
}

export function renewEveryMs(deadAfterMs: number): number {
  return Math.max(1_000, deadAfterMs);
}

export type ClusterEvent =
  | { type: 'backplane-down' }
  | { type: 'backplane-up' }
  | { type: 'node-up'; node: string }
  /** Not heard from within the bound: its users were announced gone and its names freed. */
  | { type: 'node-dead'; node: string; users: number }
  /** Said goodbye. */
  | { type: 'node-left'; node: string; users: number }
  /** Our user of `name` lost it to a claim made on `winner` during a partition. */
  | { type: 'name-lost'; name: string; winner: string }
  | { type: 'leftovers-deleted'; leases: number }
  /** A message that did not decode (dropped). */
  | { type: 'bad-message' }
  /** Another process uses our node id. */
  | { type: 'duplicate-node-id'; node: string };

export type ClusterEventListener = (event: ClusterEvent) => void;
