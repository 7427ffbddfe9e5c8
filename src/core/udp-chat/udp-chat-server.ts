// The UDP chat server: the original UDP chat (the first datagram from an address is its name,
// every later one a message relayed to all as `<name> ~ <message>`), made safe to run in the
// open. An address is proven by sending back a code before anything reaches other users, and
// until then it is sent at most AMPLIFICATION_FACTOR times what it sent (RFC 9000 §8.1), so a
// spoofed source cannot turn the server into an amplifier. Socket, clock and randomness are
// injected; the caller learns what happens through `onEvent`.
import {
  decodeDatagram,
  parseClientDatagram,
  type ClientDatagram,
} from '../../protocol/udp-chat/client-datagrams.ts';
import { joinCodeFrom, JOIN_CODE_LENGTH, matchesJoinCode } from '../../protocol/udp-chat/join-code.ts';
import { challengeForms, errorForms, pickWithin, serverDatagram } from '../../protocol/udp-chat/server-datagrams.ts';
import type { UdpErrorCode } from '../../protocol/udp-chat/udp-error-codes.ts';
import { checkUserName, nameKey } from '../../protocol/shared/names.ts';
import type { Runtime, SocketAddress, UdpRemote, UdpSocket } from '../../runtime/types.ts';
import { FloodBucket, floodControlEnabled, type FloodLimits } from '../chat/flood-control.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { DropReporter } from './drop-reporter.ts';
import { PeerTable, type Peer } from './peer-table.ts';
import { SendRateCap } from './send-rate-cap.ts';
import { advertisedLimits, resolveUdpChatLimits, type UdpChatLimits } from './udp-chat-limits.ts';
import { LEAVE_REASONS, type LeaveReason, type UdpChatServerEvent, type UdpChatServerEventListener } from './udp-server-events.ts';

export interface UdpChatServerOptions {
  host: string;
  /** 0 asks the OS for a free port; `address` tells which. */
  port: number;
  /** Overrides over DEFAULT_UDP_CHAT_LIMITS; validated here (LimitError). */
  limits?: Partial<UdpChatLimits>;
  clock?: Clock;
  /** Random bytes for join codes; by default the platform's cryptographic generator. */
  randomBytes?: (count: number) => Uint8Array;
  onEvent?: UdpChatServerEventListener;
  /** How often timeouts are checked; by default a quarter of the shortest, 50 ms to 1 s. */
  sweepIntervalMs?: number;
  /** How long a user has to answer when another port of its IP address asks for its name. */
  takeoverWaitMs?: number;
}

/** Before an address is proven, the server sends it at most this many times the bytes it received from it. */
export const AMPLIFICATION_FACTOR = 3;
export const DEFAULT_TAKEOVER_WAIT_MS = 2_000;

const encoder = new TextEncoder();
const cryptoRandomBytes = (count: number) => globalThis.crypto.getRandomValues(new Uint8Array(count));

export class UdpChatServer {
  private readonly peers: PeerTable;
  private readonly cap: SendRateCap;
  private readonly drops: DropReporter;
  private readonly floodLimits: FloodLimits;
  private readonly welcomeLimits: Record<string, number>;
  private sweepTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly socket: UdpSocket,
    readonly limits: UdpChatLimits,
    private readonly clock: Clock,
    private readonly randomBytes: (count: number) => Uint8Array,
    private readonly emit: UdpChatServerEventListener,
    private readonly sweepIntervalMs: number,
    private readonly takeoverWaitMs: number,
  ) {
    this.peers = new PeerTable(limits.maxClients);
    this.cap = new SendRateCap(limits.maxSendBytesPerSecond, clock.now());
    this.drops = new DropReporter(emit);
    this.floodLimits = { floodBurst: limits.floodBurst, floodLinesPerSecond: limits.floodDatagramsPerSecond };
    this.welcomeLimits = advertisedLimits(limits);
    socket.on('message', (data, from) => this.receive(data, from));
    this.scheduleSweep();
  }

  get address(): SocketAddress {
    return this.socket.address;
  }

  /** Users in the chat now. */
  get userCount(): number {
    return this.peers.joinedCount;
  }

  receive(data: Uint8Array, from: UdpRemote): void {
    if (this.closing) return;
    const now = this.clock.now();
    const peer = this.peers.get(from);
    if (peer) {
      peer.lastHeardAt = now;
      if (peer.state === 'pending') peer.received += data.length;
      // Anything at all from a user asked whether it is still there answers the question.
      if (peer.probedBy) this.keepName(peer, now);
      if (peer.bucket && peer.bucket.take(now) > 0) return this.flooded(peer, now);
      peer.floodWarned = false;
    }
    if (data.length > this.limits.maxDatagramBytes) {
      this.drops.report('too-long', from, now, `${data.length} bytes`);
      const text = `datagrams are limited to ${this.limits.maxDatagramBytes} bytes; this one had ${data.length}`;
      return peer ? this.reply(peer, errorForms('DATAGRAM_TOO_LONG', text), now) : this.replyToStranger(from, data.length, errorForms('DATAGRAM_TOO_LONG', text), now);
    }
    const text = decodeDatagram(data);
    if (text === undefined) return this.drops.report('malformed', from, now, `${data.length} bytes`);
    const datagram = parseClientDatagram(text);
    if (!peer) return this.fromStranger(from, datagram, data.length, now);
    if (peer.state === 'pending') return this.fromPending(peer, datagram, now);
    if (peer.state === 'proven') return this.fromProven(peer, datagram, now);
    return this.fromJoined(peer, datagram, now);
  }

  // A first datagram: a name (or `/join <name>`) opens a registration and is answered with the
  // join code, within three times its size. Nothing else leaves any state behind.
  private fromStranger(from: UdpRemote, datagram: ClientDatagram, size: number, now: number): void {
    if (datagram.kind === 'quit') return this.replyToStranger(from, size, [serverDatagram.goodbye()], now);
    if (datagram.kind !== 'join' && datagram.kind !== 'text') return;
    const name = datagram.kind === 'join' ? datagram.name : datagram.text.trim();
    const refusal = this.nameRefusal(name, from);
    if (refusal) {
      this.emit({ type: 'refuse', remote: from, code: refusal[0], name });
      return this.replyToStranger(from, size, errorForms(...refusal), now);
    }
    const bucket = floodControlEnabled(this.floodLimits) ? new FloodBucket(this.floodLimits, now) : undefined;
    bucket?.take(now);
    const code = joinCodeFrom(this.randomBytes(JOIN_CODE_LENGTH));
    const peer = this.peers.addPending(from, name, datagram.kind === 'join', code, now, bucket);
    peer.received = size;
    this.sendChallenge(peer, now);
  }

  // /join <name>: the code (proof, then the name is checked again); another name; /quit.
  // Everything else only adds to the budget and is answered with the code again if it fits.
  private fromPending(peer: Peer, datagram: ClientDatagram, now: number): void {
    if (datagram.kind === 'text' && matchesJoinCode(datagram.text, peer.code)) {
      const name = peer.name!;
      this.peers.prove(peer);
      return this.register(peer, name, peer.byCommand, now);
    }
    if (datagram.kind === 'quit') {
      this.peers.remove(peer);
      return this.reply(peer, [serverDatagram.goodbye()], now);
    }
    if (datagram.kind === 'join') {
      const refusal = this.nameRefusal(datagram.name, peer.remote);
      if (refusal) return this.refuse(peer, ...refusal, datagram.name, now);
      peer.name = datagram.name;
      peer.byCommand = true;
    } else if (datagram.kind === 'text') {
      this.drops.report('unproven', peer.remote, now);
    }
    this.sendChallenge(peer, now);
  }

  // Proven but not in the chat (its name was refused): a name, or the code again, tries again.
  private fromProven(peer: Peer, datagram: ClientDatagram, now: number): void {
    if (datagram.kind === 'quit') {
      this.peers.remove(peer);
      return this.reply(peer, [serverDatagram.goodbye()], now);
    }
    if (peer.takeover) return; // waiting for the name's holder to answer
    if (datagram.kind === 'ping') return this.reply(peer, [serverDatagram.pong(datagram.token)], now);
    if (datagram.kind === 'join') return this.register(peer, datagram.name, true, now);
    if (datagram.kind === 'text') {
      const retry = matchesJoinCode(datagram.text, peer.code) && peer.name !== undefined;
      return retry ? this.register(peer, peer.name!, peer.byCommand, now) : this.register(peer, datagram.text.trim(), false, now);
    }
  }

  private fromJoined(peer: Peer, datagram: ClientDatagram, now: number): void {
    switch (datagram.kind) {
      case 'text':
        // The client did not see its welcome and sent the code again: welcome it again.
        if (now - peer.joinedAt < this.limits.registrationTimeoutMs && matchesJoinCode(datagram.text, peer.code)) {
          return this.sendWelcome(peer, now);
        }
        return this.relay(peer, datagram.text, now);
      case 'join':
        if (nameKey(datagram.name) === nameKey(peer.name!)) return this.sendWelcome(peer, now);
        this.emit({ type: 'refuse', remote: peer.remote, code: 'ALREADY_REGISTERED', name: datagram.name });
        return this.reply(peer, errorForms('ALREADY_REGISTERED', `this address is in the chat as ${peer.name}`), now);
      case 'quit':
        return this.leave(peer, 'quit', now);
      case 'ping':
        return this.reply(peer, [serverDatagram.pong(datagram.token)], now);
      case 'keepalive':
        return;
    }
  }

  /** Why `name` cannot be asked for from `from`, as a refusal code and text. */
  private nameRefusal(name: string, from: UdpRemote): [UdpErrorCode, string] | undefined {
    if (checkUserName(name, this.limits.maxNameLength)) {
      const rule = `1-${this.limits.maxNameLength} of A-Z a-z 0-9 _ . - (not starting with . or -); server, netchat, system are reserved`;
      return ['NAME_INVALID', `a name is ${rule}`];
    }
    const holder = this.peers.holderOf(name);
    // A netchat client at the same IP address may be the holder restarted from a new port: it
    // is asked once the newcomer is proven. Anyone else's name is simply taken.
    if (holder && (holder.remote.address !== from.address || !holder.byCommand)) {
      return ['NAME_TAKEN', `${holder.name} is taken: send another name`];
    }
    if (this.peers.joinedCount >= this.limits.maxClients) {
      return ['SERVER_FULL', `the chat is full (${this.limits.maxClients} users): try again later`];
    }
    return undefined;
  }

  /** A proven address asks for `name`: join, refuse, or first ask the holder at the same IP. */
  private register(peer: Peer, name: string, byCommand: boolean, now: number): void {
    peer.name = name;
    peer.byCommand = byCommand;
    const refusal = this.nameRefusal(name, peer.remote);
    if (refusal) return this.refuse(peer, ...refusal, name, now);
    const holder = this.peers.holderOf(name);
    if (holder) {
      if (holder.probedBy) return this.refuse(peer, 'NAME_TAKEN', `${holder.name} is taken: send another name`, name, now);
      peer.takeover = { holder, deadline: now + this.takeoverWaitMs };
      holder.probedBy = peer;
      return this.reply(holder, [serverDatagram.probe(holder.name!, this.takeoverWaitMs)], now);
    }
    this.peers.join(peer, name, now);
    const joined = encoder.encode(serverDatagram.joined(name));
    this.broadcast(joined, peer, peer.remote, now);
    this.sendForced(joined, peer, now);
    this.sendWelcome(peer, now);
    this.emit({ type: 'register', remote: peer.remote, name });
  }

  /** The holder answered: the newcomer asking for its name is refused. */
  private keepName(holder: Peer, now: number): void {
    const newcomer = holder.probedBy!;
    holder.probedBy = undefined;
    newcomer.takeover = undefined;
    this.refuse(newcomer, 'NAME_TAKEN', `${holder.name} is taken: send another name`, newcomer.name, now);
  }

  /** The holder stayed silent: it is gone, and the newcomer from the same IP takes its name. */
  private replaceHolder(newcomer: Peer, now: number): void {
    const holder = newcomer.takeover!.holder;
    newcomer.takeover = undefined;
    holder.probedBy = undefined;
    this.leave(holder, 'replaced', now);
    this.register(newcomer, newcomer.name!, newcomer.byCommand, now);
  }

  private refuse(peer: Peer, code: UdpErrorCode, text: string, name: string | undefined, now: number): void {
    this.emit({ type: 'refuse', remote: peer.remote, code, ...(name !== undefined && { name }) });
    this.reply(peer, errorForms(code, text), now);
  }

  private leave(peer: Peer, reason: LeaveReason, now: number): void {
    const name = peer.name!;
    this.peers.remove(peer);
    const own =
      reason === 'quit'
        ? serverDatagram.goodbye(name)
        : reason === 'timed-out'
          ? serverDatagram.error('IDLE_TIMEOUT', `nothing came from you for ${this.limits.idleTimeoutMs / 1000} s: you left the chat`)
          : serverDatagram.error('REPLACED', `${name} joined again from another port of your address`);
    this.sendForced(encoder.encode(own), peer, now);
    this.broadcast(encoder.encode(serverDatagram.left(name, LEAVE_REASONS[reason])), undefined, peer.remote, now);
    this.emit({ type: 'leave', remote: peer.remote, name, reason });
  }

  private relay(peer: Peer, text: string, now: number): void {
    const bytes = encoder.encode(serverDatagram.relay(peer.name!, text));
    if (!this.cap.trySpend(bytes.length * this.peers.joinedCount, now)) {
      this.drops.report('send-cap', peer.remote, now);
      return this.reply(peer, errorForms('SERVER_BUSY', 'the server is sending all it may: your message was not relayed'), now);
    }
    for (const member of this.peers.joined()) this.send(bytes, member.remote);
    this.emit({ type: 'relay', remote: peer.remote, name: peer.name!, text, recipients: this.peers.joinedCount });
  }

  /** To every joined peer but `except`, if the cap on bytes per second allows all of them. */
  private broadcast(bytes: Uint8Array, except: Peer | undefined, cause: UdpRemote, now: number): void {
    const recipients = this.peers.joinedCount - (except ? 1 : 0);
    if (recipients <= 0) return;
    if (!this.cap.trySpend(bytes.length * recipients, now)) return this.drops.report('send-cap', cause, now);
    for (const member of this.peers.joined()) if (member !== except) this.send(bytes, member.remote);
  }

  private sendChallenge(peer: Peer, now: number): void {
    const sentBefore = peer.sent;
    this.reply(peer, challengeForms(peer.code, peer.name!), now);
    this.emit({ type: 'challenge', remote: peer.remote, name: peer.name!, sent: peer.sent > sentBefore });
  }

  private sendWelcome(peer: Peer, now: number): void {
    const text = serverDatagram.welcome(peer.name!, this.peers.joinedCount, this.welcomeLimits);
    this.sendForced(encoder.encode(text), peer, now);
  }

  /**
   * Answer a peer: a pending one gets the first form that fits its budget (or nothing), a
   * proven one the first form. Answers go past the send cap: they are few, and each is caused
   * by a datagram of the peer's own, which its rate limit bounds.
   */
  private reply(peer: Peer, forms: readonly string[], now: number): void {
    if (peer.state !== 'pending') return this.sendForced(encoder.encode(forms[0]!), peer, now);
    const bytes = pickWithin(forms, AMPLIFICATION_FACTOR * peer.received - peer.sent);
    if (!bytes || !this.cap.trySpend(bytes.length, now)) return;
    peer.sent += bytes.length;
    this.send(bytes, peer.remote);
  }

  /** Answer an address the server keeps nothing about: within three times this one datagram. */
  private replyToStranger(to: UdpRemote, size: number, forms: readonly string[], now: number): void {
    const bytes = pickWithin(forms, AMPLIFICATION_FACTOR * size);
    if (bytes && this.cap.trySpend(bytes.length, now)) this.send(bytes, to);
  }

  private flooded(peer: Peer, now: number): void {
    this.drops.report('flood', peer.remote, now);
    if (peer.floodWarned) return;
    peer.floodWarned = true;
    const { floodBurst, floodDatagramsPerSecond } = this.limits;
    const text = `more than ${floodBurst} datagrams at once or ${floodDatagramsPerSecond} per second: the rest are dropped`;
    this.reply(peer, errorForms('FLOOD', text), now);
  }

  private sendForced(bytes: Uint8Array, peer: Peer, now: number): void {
    this.cap.spend(bytes.length, now);
    this.send(bytes, peer.remote);
  }

  private send(bytes: Uint8Array, to: UdpRemote): void {
    this.socket.send(bytes, to.port, to.address).catch((error: Error & { code?: string }) => {
      this.drops.report('send-failed', to, this.clock.now(), error.code ?? error.message);
    });
  }

  /** Expire silent users, forgotten registrations and unanswered name probes. */
  sweep(): void {
    const now = this.clock.now();
    const { idleTimeoutMs, registrationTimeoutMs } = this.limits;
    for (const peer of this.peers.all()) {
      if (peer.state === 'pending') {
        if (now - peer.createdAt >= registrationTimeoutMs) this.peers.remove(peer);
      } else if (peer.state === 'proven') {
        if (peer.takeover && now >= peer.takeover.deadline) this.replaceHolder(peer, now);
        else if (!peer.takeover && now - peer.lastHeardAt >= registrationTimeoutMs) this.peers.remove(peer);
      } else if (idleTimeoutMs > 0 && now - peer.lastHeardAt >= idleTimeoutMs && this.peers.get(peer.remote) === peer) {
        this.leave(peer, 'timed-out', now);
      }
    }
    this.drops.flush(now);
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweep();
      this.scheduleSweep();
    }, this.sweepIntervalMs);
  }

  /**
   * Send the shutdown notice to every proven address (an unproven one may be a spoofed victim),
   * wait until each is handed to the kernel, close the socket. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    const notice = encoder.encode(serverDatagram.shutdown());
    const sends = this.peers
      .all()
      .filter((peer) => peer.state !== 'pending')
      .map((peer) => this.socket.send(notice, peer.remote.port, peer.remote.address).catch(() => {}));
    await Promise.all(sends);
    this.peers.clear();
    await this.socket.close();
  }
}

/** Check the limits, bind the socket, and return the running server. */
export async function startUdpChatServer(runtime: Pick<Runtime, 'bindUdp'>, options: UdpChatServerOptions): Promise<UdpChatServer> {
  const limits = resolveUdpChatLimits(options.limits);
  const socket = await runtime.bindUdp({ host: options.host, port: options.port });
  const takeoverWaitMs = options.takeoverWaitMs ?? DEFAULT_TAKEOVER_WAIT_MS;
  return new UdpChatServer(
    socket,
    limits,
    options.clock ?? systemClock,
    options.randomBytes ?? cryptoRandomBytes,
    options.onEvent ?? (() => {}),
    options.sweepIntervalMs ?? defaultSweepInterval(limits, takeoverWaitMs),
    takeoverWaitMs,
  );
}

function defaultSweepInterval(limits: UdpChatLimits, takeoverWaitMs: number): number {
  const timeouts = [limits.idleTimeoutMs, limits.registrationTimeoutMs, takeoverWaitMs].filter((t) => t > 0);
  return Math.min(1_000, Math.max(50, Math.floor(Math.min(...timeouts) / 4)));
}

export type { UdpChatServerEvent };
