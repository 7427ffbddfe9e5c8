// The backplane on NATS: core NATS subjects for messages (`<prefix>.node.<id>`, one per node,
// so NATS keeps each node's messages in order; everyone subscribes to `<prefix>.node.*`) and a
// JetStream KV bucket for name leases, with a bucket-wide TTL (all nats-server 2.9 offers).
// Loaded with a dynamic import only in cluster mode: a lone server never loads the client.
// The client reconnects by itself, forever; a lost connection is reported as status 'down'.
import { connect, credsAuthenticator, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { Backplane, BackplaneStatus, LeaseEntry, LeaseStore, LeaseWrite } from './backplane.ts';

export interface NatsBackplaneOptions {
  /** nats://host:port URLs; the client tries them all and follows the cluster's own list. */
  servers: string[];
  nodeId: string;
  /** Subjects start with it; nodes with different prefixes do not see each other. */
  prefix: string;
  /** The KV bucket of name leases, and its TTL (used when this node creates the bucket). */
  bucket: string;
  leaseTtlMs: number;
  /** Copies of the bucket in a NATS cluster (1, 3 or 5), when this node creates it. */
  replicas: number;
  /** The contents of a NATS .creds file. */
  creds?: Uint8Array;
  user?: string;
  pass?: string;
  token?: string;
  /** PEM texts: the CA to verify the servers with, a client certificate and its key. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** How long one KV operation may take before it counts as unavailable. */
  timeoutMs: number;
  reconnectWaitMs: number;
}

/** Why the NATS client could not sign with a .creds file (its JWT or seed unreadable); undefined when it can. */
export function natsCredsProblem(creds: Uint8Array): string | undefined {
  try {
    credsAuthenticator(creds)('a nonce');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Connect, and open (or create) the lease bucket. Throws when NATS cannot be reached at all. */
export async function openNatsBackplane(options: NatsBackplaneOptions): Promise<Backplane> {
  const connection = await connect({
    servers: options.servers,
    name: `netchat-${options.nodeId}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs,
    // Our own messages would only be dropped on arrival.
    noEcho: true,
    timeout: options.timeoutMs,
    ...(options.creds && { authenticator: credsAuthenticator(options.creds) }),
    ...(options.user !== undefined && { user: options.user, pass: options.pass }),
    ...(options.token !== undefined && { token: options.token }),
    ...(options.tls && { tls: options.tls }),
  });
  let kv: KV;
  let ttlMs: number;
  try {
    const kvm = new Kvm(connection);
    // An existing bucket is opened as it is, TTL included.
    kv = await kvm.create(options.bucket, { history: 1, ttl: options.leaseTtlMs, replicas: options.replicas });
    ttlMs = (await kv.status()).ttl;
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new NatsBackplane(connection, kv, ttlMs, options);
}

/** JetStream's "wrong last sequence": the revision check failed. */
const WRONG_LAST_SEQUENCE = 10071;

/** A failed revision check is a conflict; anything else (a timeout, no connection, JetStream not ready yet) means unavailable. */
function writeFailure(error: unknown): LeaseWrite {
  const code = (error as { code?: unknown }).code;
  const conflict = code === WRONG_LAST_SEQUENCE || /wrong last sequence/i.test(String((error as Error).message));
  return { ok: false, why: conflict ? 'conflict' : 'unavailable' };
}

class NatsBackplane implements Backplane {
  readonly leases: LeaseStore;
  private readonly subject: string;
  private subscription: Subscription | undefined;
  private readonly statusListeners: Array<(status: BackplaneStatus) => void> = [];

  constructor(
    private readonly connection: NatsConnection,
    kv: KV,
    readonly leaseTtlMs: number,
    private readonly options: NatsBackplaneOptions,
  ) {
    this.subject = `${options.prefix}.node.${options.nodeId}`;
    void this.watchStatus();
    const timeout = options.timeoutMs;
    this.leases = {
      async create(key, value) {
        try {
          return { ok: true, revision: await kv.create(key, value) };
        } catch (error) {
          return writeFailure(error);
        }
      },
      async update(key, value, revision) {
        try {
          return { ok: true, revision: await kv.update(key, value, revision, timeout) };
        } catch (error) {
          return writeFailure(error);
        }
      },
      async get(key) {
        try {
          const entry = await kv.get(key);
          if (!entry || entry.operation !== 'PUT') return undefined;
          return { value: entry.value, revision: entry.revision };
        } catch {
          return 'unavailable';
        }
      },
      async delete(key, revision) {
        try {
          await kv.delete(key, { previousSeq: revision });
          return true;
        } catch {
          return false;
        }
      },
      async entries() {
        try {
          const found: Array<LeaseEntry & { key: string }> = [];
          const keys: string[] = [];
          for await (const key of await kv.keys()) keys.push(key);
          for (const key of keys) {
            const entry = await kv.get(key);
            if (entry && entry.operation === 'PUT') found.push({ key, value: entry.value, revision: entry.revision });
          }
          return found;
        } catch {
          return 'unavailable';
        }
      },
    };
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') this.tell('down');
      else if (status.type === 'reconnect') void this.reopenBucket().finally(() => this.tell('up'));
    }
  }

  /**
   * A NATS server that came back without its JetStream data (a new store, a lost disk) has no
   * lease bucket: every lease operation would fail, and names would no longer be unique. Make it
   * again before saying the backplane is up (an existing bucket is opened as it is); the
   * renewal that follows writes every node's leases into it.
   */
  private async reopenBucket(): Promise<void> {
    try {
      await new Kvm(this.connection).create(this.options.bucket, { history: 1, ttl: this.leaseTtlMs, replicas: this.options.replicas });
    } catch {
      // JetStream not ready yet: the lease operations say unavailable until it is, as before.
    }
  }

  private tell(status: BackplaneStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }

  publish(bytes: Uint8Array): void {
    try {
      this.connection.publish(this.subject, bytes);
    } catch {
      // Closed or draining: a message lost, as core NATS may lose any; the sequence numbers tell.
    }
  }

  subscribe(onMessage: (bytes: Uint8Array) => void): void {
    this.subscription = this.connection.subscribe(`${this.options.prefix}.node.*`, {
      callback: (error, message) => {
        if (!error) onMessage(message.data);
      },
    });
  }

  onStatus(listener: (status: BackplaneStatus) => void): void {
    this.statusListeners.push(listener);
  }

  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    try {
      await this.connection.drain();
    } catch {
      await this.connection.close();
    }
  }
}
