// The rules that keep `netchat echo --udp` from being used against others. A UDP source address
// is not proven: a datagram with a forged source makes the server send its reply to someone who
// never asked (reflection), and the reply is bigger than the request (amplification: an 18-byte
// timestamp header, so 19 bytes for a 1-byte datagram). Aimed at the server itself, or at
// another echo server, the replies bounce between them for ever, each one echoed again. Before
// anything is answered (RFC 9000 §8.1 sets the same kind of bound for QUIC), the server refuses:
//  1. a source that is the server's own socket (its port, on one of its own addresses);
//  2. a source port below 1024: the well-known services (echo 7, chargen 19, DNS 53, NTP 123 …)
//     never send from there to an echo server; replies to them are what an attacker wants;
//  3. a datagram that starts like an echo reply (`<timestamp>:`): answering it is how two echo
//     servers would bounce a forged datagram between them;
//  4. more than `maxRepliesPerAddress` replies to one address (whatever its port) in one
//     second, and more than `maxRepliesPerSecond` in all: what any victim can be sent, and what
//     the server sends in total, stays bounded whatever the attacker spends.
// docs/PROTOCOL.md (Echo, `--udp`) gives the rules and the amplification factor to users.
import { parseReplyHeader } from '../../protocol/echo/echo-format.ts';
import type { UdpRemote } from '../../runtime/types.ts';

/** Why the guard refused a datagram; the server reports it as the reason it went unanswered. */
export type GuardRefusal = 'own-address' | 'reserved-port' | 'looks-like-reply' | 'address-rate' | 'total-rate';

export interface ReplyRateLimits {
  /** Replies to one address per second; 0 = no cap. */
  maxRepliesPerAddress: number;
  /** Replies in all per second; 0 = no cap. */
  maxRepliesPerSecond: number;
}

/** Source ports below this are the well-known services'. */
export const FIRST_UNRESERVED_PORT = 1024;

const WINDOW_MS = 1000;

export class UdpReplyGuard {
  private readonly ownAddresses: ReadonlySet<string>;
  /** Counted in fixed one-second windows: no timer, and at most one entry per reply per window. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private repliesInWindow = 0;
  private readonly repliesByAddress = new Map<string, number>();

  constructor(
    private readonly limits: ReplyRateLimits,
    private readonly ownPort: number,
    ownAddresses: Iterable<string>,
    private readonly now: () => number,
  ) {
    this.ownAddresses = new Set([...ownAddresses].map(normalizeAddress));
  }

  /**
   * Why the datagram must not be answered, or undefined when it may be; a datagram that may be
   * answered is counted against the caps.
   */
  check(from: UdpRemote, data: Uint8Array): GuardRefusal | undefined {
    const address = normalizeAddress(from.address);
    if (from.port === this.ownPort && this.isOwnAddress(address)) return 'own-address';
    if (from.port < FIRST_UNRESERVED_PORT) return 'reserved-port';
    if (typeof parseReplyHeader(data) === 'object') return 'looks-like-reply';
    return this.countReply(address);
  }

  private isOwnAddress(address: string): boolean {
    return this.ownAddresses.has(address) || address.startsWith('127.') || address === '::1';
  }

  private countReply(address: string): GuardRefusal | undefined {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS || now < this.windowStart) {
      this.windowStart = now;
      this.repliesInWindow = 0;
      this.repliesByAddress.clear();
    }
    const { maxRepliesPerAddress, maxRepliesPerSecond } = this.limits;
    const toAddress = this.repliesByAddress.get(address) ?? 0;
    if (maxRepliesPerAddress > 0 && toAddress >= maxRepliesPerAddress) return 'address-rate';
    if (maxRepliesPerSecond > 0 && this.repliesInWindow >= maxRepliesPerSecond) return 'total-rate';
    this.repliesByAddress.set(address, toAddress + 1);
    this.repliesInWindow++;
    return undefined;
  }
}

/** One spelling per address: IPv4-mapped IPv6 as IPv4, no zone index, lower case. */
export function normalizeAddress(address: string): string {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  return mapped ? mapped[1]! : text;
}
