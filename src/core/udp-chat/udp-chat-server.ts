// The UDP chat server: the original UDP chat (the first datagram from an address is its name,
// every later one a message relayed to all as `<name> ~ <message>`), made safe to run in the
// open. An address is proven by sending back a code before anything reaches other users, and
// until then it is sent at most AMPLIFICATION_FACTOR times what it sent (RFC 9000 §8.1), so a
// spoofed source cannot turn the server into an amplifier. Joining is udp-registrar.ts's part,
// the rules on sending datagram-sender.ts's; this file relays, expires and shuts down. Socket,
// clock and randomness are injected; the caller learns what happens through `onEvent`.
import {
  decodeDatagram,
  parseClientDatagram,
  type ClientDatagram,
} from '../../protocol/udp-chat/client-datagrams.ts';
import { matchesJoinCode } from '../../protocol/udp-chat/join-code.ts';
import { errorForms, serverDatagram } from '../../protocol/udp-chat/server-datagrams.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import type { Runtime, SocketAddress, UdpRemote, UdpSocket } from '../../runtime/types.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { DropReporter } from './drop-reporter.ts';
import { PeerTable, type Peer } from './peer-table.ts';
import { AMPLIFICATION_FACTOR, DatagramSender } from './datagram-sender.ts';
import { Registrar, type RegistrarHost } from './udp-registrar.ts';
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

export { AMPLIFICATION_FACTOR };
export const DEFAULT_TAKEOVER_WAIT_MS = 2_000;

const encoder = new TextEncoder();
const cryptoRandomBytes = (count: number) => globalThis.crypto.getRandomValues(new Uint8Array(count));

export class UdpChatServer implements RegistrarHost {
  private readonly peers: PeerTable;
  private readonly sender: DatagramSender;
  private readonly drops: DropReporter;
  private readonly registrar: Registrar;
  private readonly welcomeLimits: Record<string, number>;
  private sweepTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly socket: UdpSocket,
    readonly limits: UdpChatLimits,
    private readonly clock: Clock,
    randomBytes: (count: number) => Uint8Array,
    private readonly emit: UdpChatServerEventListener,
    private readonly sweepIntervalMs: number,
    takeoverWaitMs: number,
  ) {
    this.peers = new PeerTable(limits.maxClients);
    this.drops = new DropReporter(emit);
    this.sender = new DatagramSender(socket, limits.maxSendBytesPerSecond, clock, this.drops);
    this.registrar = new Registrar(this.peers, this.sender, this.drops, limits, randomBytes, emit, takeoverWaitMs, this);
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
      if (peer.probedBy) this.registrar.keepName(peer, now);
      if (peer.bucket && peer.bucket.take(now) > 0) return this.flooded(peer, now);
      peer.floodWarned = false;
    }
    if (data.length > this.limits.maxDatagramBytes) {
      this.drops.report('too-long', from, now, `${data.length} bytes`);
      const text = `datagrams are limited to ${this.limits.maxDatagramBytes} bytes; this one had ${data.length}`;
      const forms = errorForms('DATAGRAM_TOO_LONG', text);
      return peer ? this.reply(peer, forms, now) : this.sender.replyToStranger(from, data.length, forms, now);
    }
    const text = decodeDatagram(data);
    if (text === undefined) return this.drops.report('malformed', from, now, `${data.length} bytes`);
    const datagram = parseClientDatagram(text);
    if (!peer) return this.registrar.fromStranger(from, datagram, data.length, now);
    if (peer.state === 'pending') return this.registrar.fromPending(peer, datagram, now);
    if (peer.state === 'proven') return this.registrar.fromProven(peer, datagram, now);
    return this.fromJoined(peer, datagram, now);
  }

  announceJoin(peer: Peer, now: number): void {
    const joined = encoder.encode(serverDatagram.joined(peer.name!));
    this.broadcast(joined, peer, peer.remote, now);
    this.sender.forced(joined, peer.remote, now);
    this.sendWelcome(peer, now);
    this.emit({ type: 'register', remote: peer.remote, name: peer.name! });
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

  leave(peer: Peer, reason: LeaveReason, now: number): void {
    const name = peer.name!;
    this.peers.remove(peer);
    const own =
      reason === 'quit'
        ? serverDatagram.goodbye(name)
        : reason === 'timed-out'
          ? serverDatagram.error('IDLE_TIMEOUT', `nothing came from you for ${this.limits.idleTimeoutMs / 1000} s: you left the chat`)
          : serverDatagram.error('REPLACED', `${name} joined again from another port of your address`);
    this.sender.forced(encoder.encode(own), peer.remote, now);
    this.broadcast(encoder.encode(serverDatagram.left(name, LEAVE_REASONS[reason])), undefined, peer.remote, now);
    this.emit({ type: 'leave', remote: peer.remote, name, reason });
  }

  private relay(peer: Peer, text: string, now: number): void {
    const bytes = encoder.encode(serverDatagram.relay(peer.name!, text));
    const recipients = this.peers.joinedCount;
    if (!this.sender.toAll(bytes, this.peers.joined(), recipients, undefined, peer.remote, now)) {
      return this.reply(peer, errorForms('SERVER_BUSY', 'the server is sending all it may: your message was not relayed'), now);
    }
    this.emit({ type: 'relay', remote: peer.remote, name: peer.name!, text, recipients });
  }

  /** To every joined peer but `except`, if the cap on bytes per second allows all of them. */
  private broadcast(bytes: Uint8Array, except: Peer | undefined, cause: UdpRemote, now: number): void {
    const count = this.peers.joinedCount - (except ? 1 : 0);
    this.sender.toAll(bytes, this.peers.joined(), count, except, cause, now);
  }

  private sendWelcome(peer: Peer, now: number): void {
    const text = serverDatagram.welcome(peer.name!, this.peers.joinedCount, this.welcomeLimits);
    this.sender.forced(encoder.encode(text), peer.remote, now);
  }

  private reply(peer: Peer, forms: readonly string[], now: number): void {
    this.sender.reply(peer, forms, now);
  }

  private flooded(peer: Peer, now: number): void {
    this.drops.report('flood', peer.remote, now);
    if (peer.floodWarned) return;
    peer.floodWarned = true;
    const { floodBurst, floodDatagramsPerSecond } = this.limits;
    const text = `more than ${floodBurst} datagrams at once or ${floodDatagramsPerSecond} per second: the rest are dropped`;
    this.reply(peer, errorForms('FLOOD', text), now);
  }

  /** Expire silent users, forgotten registrations and unanswered name probes. */
  sweep(): void {
    const now = this.clock.now();
    const { idleTimeoutMs, registrationTimeoutMs } = this.limits;
    for (const peer of this.peers.all()) {
      if (peer.state === 'pending') {
        if (now - peer.createdAt >= registrationTimeoutMs) this.peers.remove(peer);
      } else if (peer.state === 'proven') {
        if (peer.takeover && now >= peer.takeover.deadline) this.registrar.replaceHolder(peer, now);
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
