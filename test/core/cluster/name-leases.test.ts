// Claims on the lease store when its entries change under a claim: the race between survivors
// of a dead node, one deleting its leases while another takes one of its names.
import { describe, expect, it } from 'vitest';
import { encodeLease, leaseKey, type LeaseValue } from '../../../src/protocol/cluster/cluster-messages.ts';
import type { LeaseStore, LeaseWrite } from '../../../src/core/cluster/backplane.ts';
import { NameLeases } from '../../../src/core/cluster/name-leases.ts';

/** A revisioned map; `beforeUpdate` runs once, just before the next update is applied. */
class RacyStore implements LeaseStore {
  readonly entriesByKey = new Map<string, { value: Uint8Array; revision: number }>();
  private revision = 0;
  beforeUpdate: (() => void) | undefined;

  async create(key: string, value: Uint8Array): Promise<LeaseWrite> {
    if (this.entriesByKey.has(key)) return { ok: false, why: 'conflict' };
    this.entriesByKey.set(key, { value, revision: ++this.revision });
    return { ok: true, revision: this.revision };
  }
  async update(key: string, value: Uint8Array, revision: number): Promise<LeaseWrite> {
    const hook = this.beforeUpdate;
    this.beforeUpdate = undefined;
    hook?.();
    if (this.entriesByKey.get(key)?.revision !== revision) return { ok: false, why: 'conflict' };
    this.entriesByKey.set(key, { value, revision: ++this.revision });
    return { ok: true, revision: this.revision };
  }
  async get(key: string) {
    const entry = this.entriesByKey.get(key);
    return entry && { ...entry };
  }
  async delete(key: string, revision: number): Promise<boolean> {
    if (this.entriesByKey.get(key)?.revision !== revision) return false;
    return this.entriesByKey.delete(key);
  }
  async entries() {
    return [...this.entriesByKey].map(([key, entry]) => ({ key, ...entry }));
  }
}

const dead: LeaseValue = { node: 'three', boot: 'b3', name: 'cyd', at: 1 };

function leasesOf(store: LeaseStore, holderGone: boolean) {
  return new NameLeases(store, { node: 'two', boot: 'b2' }, { wallNow: () => 2 }, {
    online: () => true,
    lost: () => {},
    tookOver: () => {},
    holderGone: () => holderGone,
  });
}

describe('NameLeases.claim', () => {
  it('takes the name of a dead node even when another survivor deletes its lease mid-claim', async () => {
    const store = new RacyStore();
    await store.create(leaseKey('cyd'), encodeLease(dead));
    store.beforeUpdate = () => store.entriesByKey.delete(leaseKey('cyd'));
    expect(await leasesOf(store, true).claim('CYD')).toBe('ok');
    expect(store.entriesByKey.has(leaseKey('cyd'))).toBe(true);
  });

  it('refuses a name whose holder is alive', async () => {
    const store = new RacyStore();
    await store.create(leaseKey('cyd'), encodeLease(dead));
    expect(await leasesOf(store, false).claim('cyd')).toBe('taken');
  });
});

describe('NameLeases.release while the store is down', () => {
  /** The racy store that fails every operation while `down` is set, as a store out of reach does. */
  function downable() {
    const store = new RacyStore();
    const state = { down: false };
    const gate = <T, F>(operation: () => Promise<T>, failed: F): Promise<T | F> => (state.down ? Promise.resolve(failed) : operation());
    const wrapped: LeaseStore = {
      create: (key, value) => gate(() => store.create(key, value), { ok: false, why: 'unavailable' } as LeaseWrite),
      update: (key, value, revision) => gate(() => store.update(key, value, revision), { ok: false, why: 'unavailable' } as LeaseWrite),
      get: (key) => gate(() => store.get(key), 'unavailable' as const),
      delete: (key, revision) => gate(() => store.delete(key, revision), false),
      entries: () => gate(() => store.entries(), 'unavailable' as const),
    };
    const leases = new NameLeases(wrapped, { node: 'two', boot: 'b2' }, { wallNow: () => 2 }, {
      online: () => !state.down,
      lost: () => {},
      tookOver: () => {},
      holderGone: () => false,
    });
    return { store, state, leases };
  }

  it('deletes the lease once the store is back, so that the name is free for every node', async () => {
    const { store, state, leases } = downable();
    expect(await leases.claim('qq')).toBe('ok');
    state.down = true;
    leases.release('qq');
    await leases.settled();
    expect(store.entriesByKey.has(leaseKey('qq'))).toBe(true);
    state.down = false;
    await leases.renewAll();
    expect(store.entriesByKey.has(leaseKey('qq'))).toBe(false);
  });

  it('lets this node take the name back at once, before any renewal', async () => {
    const { store, state, leases } = downable();
    expect(await leases.claim('qq')).toBe('ok');
    state.down = true;
    leases.release('qq');
    await leases.settled();
    state.down = false;
    expect(await leases.claim('QQ')).toBe('ok');
    // The retried delete must not remove the lease just taken again.
    await leases.renewAll();
    expect(leases.size).toBe(1);
    expect(leases.isProvisional('qq')).toBe(false);
    expect(store.entriesByKey.has(leaseKey('qq'))).toBe(true);
  });
});
