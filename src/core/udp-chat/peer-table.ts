// Every address the UDP chat server knows, by address and by name. An address moves through
// three states: `pending` (it sent a name; the code sent to it has not come back, so it may be
// a spoofed source), `proven` (the code came back, but it has no name in the chat yet) and
// `joined`. Only joined peers receive the room's traffic; only pending ones have a budget.
import type { UdpRemote } from '../../runtime/types.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import type { FloodBucket } from '../chat/flood-control.ts';

export type PeerState = 'pending' | 'proven' | 'joined';

export interface Takeover {
  /** The joined peer whose name the newcomer asked for. */
  holder: Peer;
  /** The newcomer gets the name if the holder has sent nothing by then. */
  deadline: number;
}

export interface Peer {
  readonly key: string;
  readonly remote: UdpRemote;
  state: PeerState;
  /** pending: the name asked for; joined: the name in the chat. */
  name: string | undefined;
  /**
   * The name was asked for with `/join`, as netchat's client does: such a client answers the
   * server's "still there?" by itself, so only its name can be taken over (see Takeover).
   */
  byCommand: boolean;
  /** The join code sent to this address (kept after joining, so a repeated code is answered, not relayed). */
  code: string;
  /** Bytes received from and sent to this address while pending: the anti-amplification budget. */
  received: number;
  sent: number;
  readonly createdAt: number;
  joinedAt: number;
  lastHeardAt: number;
  readonly bucket: FloodBucket | undefined;
  /** A FLOOD warning was sent since the last datagram that passed the rate limit. */
  floodWarned: boolean;
  /** A proven newcomer waiting for a joined peer at the same IP to answer, or lose its name. */
  takeover: Takeover | undefined;
  /** A joined peer being asked whether it is still there. */
  probedBy: Peer | undefined;
}

export function addressKey(remote: UdpRemote): string {
  return `${remote.address} ${remote.port}`;
}

export class PeerTable {
  private readonly byAddress = new Map<string, Peer>();
  private readonly byName = new Map<string, Peer>();
  /** Peers not joined, oldest first (Map keeps insertion order): the ones evicted at the cap. */
  private readonly waiting = new Map<string, Peer>();

  constructor(private readonly maxWaiting: number) {}

  get joinedCount(): number {
    return this.byName.size;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  get(remote: UdpRemote): Peer | undefined {
    return this.byAddress.get(addressKey(remote));
  }

  holderOf(name: string): Peer | undefined {
    return this.byName.get(nameKey(name));
  }

  /** Joined peers, for delivering to all of them. */
  joined(): IterableIterator<Peer> {
    return this.byName.values();
  }

  /** Every known peer; safe to remove peers while iterating. */
  all(): Peer[] {
    return [...this.byAddress.values()];
  }

  /** A new pending peer; past the cap of peers not joined, the oldest of them is forgotten. */
  addPending(remote: UdpRemote, name: string, byCommand: boolean, code: string, now: number, bucket: FloodBucket | undefined): Peer {
    if (this.waiting.size >= this.maxWaiting) {
      const oldest = this.waiting.values().next().value;
      if (oldest) this.remove(oldest);
    }
    const peer: Peer = {
      key: addressKey(remote),
      remote,
      state: 'pending',
      name,
      byCommand,
      code,
      received: 0,
      sent: 0,
      createdAt: now,
      joinedAt: 0,
      lastHeardAt: now,
      bucket,
      floodWarned: false,
      takeover: undefined,
      probedBy: undefined,
    };
    this.byAddress.set(peer.key, peer);
    this.waiting.set(peer.key, peer);
    return peer;
  }

  prove(peer: Peer): void {
    peer.state = 'proven';
    peer.name = undefined;
  }

  join(peer: Peer, name: string, now: number): void {
    peer.state = 'joined';
    peer.name = name;
    peer.joinedAt = now;
    this.waiting.delete(peer.key);
    this.byName.set(nameKey(name), peer);
  }

  /** Forget the peer; a joined one leaves the chat (announcing it is the caller's part). */
  remove(peer: Peer): void {
    if (this.byAddress.get(peer.key) !== peer) return;
    this.byAddress.delete(peer.key);
    this.waiting.delete(peer.key);
    if (peer.state === 'joined' && peer.name !== undefined && this.byName.get(nameKey(peer.name)) === peer) {
      this.byName.delete(nameKey(peer.name));
    }
    if (peer.takeover) peer.takeover.holder.probedBy = undefined;
    if (peer.probedBy) peer.probedBy.takeover = undefined;
    peer.takeover = undefined;
    peer.probedBy = undefined;
  }

  clear(): void {
    this.byAddress.clear();
    this.byName.clear();
    this.waiting.clear();
  }
}
