// What the chat server knows about each address (an IPv4 address or an IPv6 /64, see
// address-key.ts), so that reconnecting buys an attacker nothing:
//  - how many connections it has open (max-per-ip);
//  - a bucket of new connections: max-per-ip at once, then connect-rate a second, so a
//    reconnect loop is refused with CONNECTING_TOO_FAST;
//  - one flood bucket shared by all its connections, worth max-per-ip connections' buckets.
//    Each connection still has its own bucket, which starts full, so an honest client that
//    paces itself from the moment it connects is never delayed; but the address as a whole
//    cannot send more than max-per-ip × flood-rate lines a second, however often it reconnects.
// After its last connection closes, an address is remembered only until both its buckets would
// be full again (then forgetting it changes nothing), and at most `maxResting` closed addresses
// are remembered: past that the one resting longest is forgotten first. So the table is bounded
// by the connections open plus `maxResting`, and it needs no timer of its own: the server's
// sweep calls `sweep`.
import type { ChatLimits } from './chat-limits.ts';
import { addressKey } from './address-key.ts';
import { floodControlEnabled, TokenBucket } from './flood-control.ts';

/** One address's state, shared by its connections. */
export interface PeerAddress {
  readonly key: string;
  /** Connections open from this address. */
  connections: number;
  /** The flood bucket all its connections share; undefined with flood control off. */
  readonly flood: TokenBucket | undefined;
  /** Its new connections; undefined with no connect rate limit. */
  readonly connects: TokenBucket | undefined;
  /** A refusal was reported since it last got a connection through: the first of a spell always is. */
  refusalReported: boolean;
  /** Once closed: when its buckets are full again, and it can be forgotten. */
  forgetAt: number;
}

export type AddressRefusal = 'TOO_MANY_CONNECTIONS' | 'CONNECTING_TOO_FAST';

export type Admission =
  | { peer: PeerAddress; refused?: undefined }
  | { refused: AddressRefusal; /** Worth telling whoever runs the server (once per throttled spell). */ report: boolean };

type AddressLimits = Pick<ChatLimits, 'maxConnectionsPerIp' | 'connectRatePerIp' | 'floodBurst' | 'floodLinesPerSecond'>;

export class AddressThrottle {
  /** Addresses with connections open. */
  private readonly open = new Map<string, PeerAddress>();
  /** Addresses whose last connection closed, oldest first. */
  private readonly resting = new Map<string, PeerAddress>();

  constructor(
    private readonly limits: AddressLimits,
    private readonly maxResting: number,
  ) {}

  /** Addresses remembered, open and resting. */
  get size(): number {
    return this.open.size + this.resting.size;
  }

  /**
   * A new connection from `address`: count it and return its address's state, or say why it is
   * refused. Every attempt takes a connect token if there is one, refused or not: attempts are
   * what cost, and the refusals reported are bounded by the connect rate too.
   */
  admit(address: string, now: number): Admission {
    const key = addressKey(address);
    let peer = this.open.get(key) ?? this.resting.get(key);
    const throttled = peer?.connects !== undefined && peer.connects.take(now) > 0;
    // At its connection limit, that is the reason to give; reported as often as the rate allows.
    if (peer && peer.connections >= this.limits.maxConnectionsPerIp) return refusal(peer, 'TOO_MANY_CONNECTIONS', !throttled);
    if (peer && throttled) return refusal(peer, 'CONNECTING_TOO_FAST', false);
    if (!peer) {
      peer = this.create(key, now);
      peer.connects?.take(now);
    }
    if (peer.connections === 0) {
      this.resting.delete(key);
      this.open.set(key, peer);
    }
    peer.connections++;
    peer.refusalReported = false;
    return { peer };
  }

  /**
   * A connection admitted for `peer` has closed. One that completed a file transfer gives its
   * connect token back: `send-file` opens a connection per file, and a folder of small files
   * must not be throttled. (A transfer needs real bytes, and is limited by its own limits.)
   */
  release(peer: PeerAddress, now: number, transferred = false): void {
    if (peer.connections <= 0) return;
    if (transferred) peer.connects?.give(1, now);
    peer.connections--;
    if (peer.connections > 0) return;
    this.open.delete(peer.key);
    peer.forgetAt = Math.max(peer.flood?.fullAt(now) ?? now, peer.connects?.fullAt(now) ?? now);
    if (peer.forgetAt <= now) return;
    this.resting.set(peer.key, peer);
    if (this.resting.size > this.maxResting) this.resting.delete(this.resting.keys().next().value!);
  }

  /** Forget the resting addresses that have nothing left to remember. */
  sweep(now: number): void {
    for (const [key, peer] of this.resting) if (peer.forgetAt <= now) this.resting.delete(key);
  }

  private create(key: string, now: number): PeerAddress {
    const { maxConnectionsPerIp, connectRatePerIp, floodBurst, floodLinesPerSecond } = this.limits;
    return {
      key,
      connections: 0,
      flood: floodControlEnabled(this.limits)
        ? new TokenBucket(floodBurst * maxConnectionsPerIp, floodLinesPerSecond * maxConnectionsPerIp, now)
        : undefined,
      connects: connectRatePerIp > 0 ? new TokenBucket(maxConnectionsPerIp, connectRatePerIp, now) : undefined,
      refusalReported: false,
      forgetAt: now,
    };
  }
}

/** A refusal, reported when within the connect rate or the first since the address last got in. */
function refusal(peer: PeerAddress, refused: AddressRefusal, withinRate: boolean): Admission {
  const report = withinRate || !peer.refusalReported;
  peer.refusalReported = true;
  return { refused, report };
}
