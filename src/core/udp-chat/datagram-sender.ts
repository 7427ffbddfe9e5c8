// Every datagram the UDP chat server sends leaves through here, so the two rules on sending are
// kept in one place: an address not yet proven is sent at most AMPLIFICATION_FACTOR times the
// bytes it sent (RFC 9000 §8.1), and all sending together stays under the cap on bytes per
// second.
import { pickWithin } from '../../protocol/udp-chat/server-datagrams.ts';
import type { UdpRemote, UdpSocket } from '../../runtime/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { DropReporter } from './drop-reporter.ts';
import type { Peer } from './peer-table.ts';
import { sendDatagram } from './send-datagram.ts';
import { SendRateCap } from './send-rate-cap.ts';

/** Before an address is proven, the server sends it at most this many times the bytes it received from it. */
export const AMPLIFICATION_FACTOR = 3;

const encoder = new TextEncoder();

export class DatagramSender {
  private readonly cap: SendRateCap;

  constructor(
    private readonly socket: UdpSocket,
    maxSendBytesPerSecond: number,
    private readonly clock: Clock,
    private readonly drops: DropReporter,
  ) {
    this.cap = new SendRateCap(maxSendBytesPerSecond, clock.now());
  }

  /**
   * Answer a peer: a pending one gets the first form that fits its budget (or nothing), a
   * proven one the first form. Answers to proven peers go past the send cap: they are few, and
   * each is caused by a datagram of the peer's own, which its rate limit bounds.
   */
  reply(peer: Peer, forms: readonly string[], now: number): void {
    if (peer.state !== 'pending') return this.forced(encoder.encode(forms[0]!), peer.remote, now);
    const bytes = pickWithin(forms, AMPLIFICATION_FACTOR * peer.received - peer.sent);
    if (!bytes || !this.cap.trySpend(bytes.length, now)) return;
    peer.sent += bytes.length;
    this.send(bytes, peer.remote);
  }

  /** Answer an address the server keeps nothing about: within three times this one datagram. */
  replyToStranger(to: UdpRemote, size: number, forms: readonly string[], now: number): void {
    const bytes = pickWithin(forms, AMPLIFICATION_FACTOR * size);
    if (bytes && this.cap.trySpend(bytes.length, now)) this.send(bytes, to);
  }

  /** Send past the cap (counted all the same): acknowledgements that must go. */
  forced(bytes: Uint8Array, to: UdpRemote, now: number): void {
    this.cap.spend(bytes.length, now);
    this.send(bytes, to);
  }

  /**
   * `bytes` to every one of `members` but `except`, if the cap allows all of them; otherwise to
   * none, reported as caused by `cause`. Returns whether it was sent.
   */
  toAll(bytes: Uint8Array, members: Iterable<Peer>, count: number, except: Peer | undefined, cause: UdpRemote, now: number): boolean {
    if (count <= 0) return true;
    if (!this.cap.trySpend(bytes.length * count, now)) {
      this.drops.report('send-cap', cause, now);
      return false;
    }
    for (const member of members) if (member !== except) this.send(bytes, member.remote);
    return true;
  }

  private send(bytes: Uint8Array, to: UdpRemote): void {
    sendDatagram(this.socket, bytes, to.port, to.address).catch((error: Error & { code?: string }) => {
      this.drops.report('send-failed', to, this.clock.now(), error.code ?? error.message);
    });
  }
}
