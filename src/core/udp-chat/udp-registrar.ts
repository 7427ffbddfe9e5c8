// Joining the UDP chat. An address moves from stranger (nothing kept) to pending (it sent a
// name and was sent a join code; it may be a forged source, so every answer fits its budget) to
// proven (the code came back) to joined. A name held by a netchat client at the same IP address
// may be taken over when that client no longer answers: a restart from a new port.
import type { ClientDatagram } from '../../protocol/udp-chat/client-datagrams.ts';
import { joinCodeFrom, JOIN_CODE_LENGTH, matchesJoinCode } from '../../protocol/udp-chat/join-code.ts';
import { challengeForms, errorForms, serverDatagram } from '../../protocol/udp-chat/server-datagrams.ts';
import type { UdpErrorCode } from '../../protocol/udp-chat/udp-error-codes.ts';
import { checkUserName } from '../../protocol/shared/names.ts';
import type { UdpRemote } from '../../runtime/types.ts';
import { FloodBucket, floodControlEnabled, type FloodLimits } from '../chat/flood-control.ts';
import type { DatagramSender } from './datagram-sender.ts';
import type { DropReporter } from './drop-reporter.ts';
import type { Peer, PeerTable } from './peer-table.ts';
import type { UdpChatLimits } from './udp-chat-limits.ts';
import type { LeaveReason, UdpChatServerEventListener } from './udp-server-events.ts';

/** What joining needs from the server around it. */
export interface RegistrarHost {
  /** `peer` has just joined: announce it to all and welcome it. */
  announceJoin(peer: Peer, now: number): void;
  /** A joined peer leaves the chat. */
  leave(peer: Peer, reason: LeaveReason, now: number): void;
}

export class Registrar {
  private readonly floodLimits: FloodLimits;

  constructor(
    private readonly peers: PeerTable,
    private readonly sender: DatagramSender,
    private readonly drops: DropReporter,
    private readonly limits: UdpChatLimits,
    private readonly randomBytes: (count: number) => Uint8Array,
    private readonly emit: UdpChatServerEventListener,
    private readonly takeoverWaitMs: number,
    private readonly host: RegistrarHost,
  ) {
    this.floodLimits = { floodBurst: limits.floodBurst, floodLinesPerSecond: limits.floodDatagramsPerSecond };
  }

  // A first datagram: a name (or `/join <name>`) opens a registration and is answered with the
  // join code, within three times its size. Nothing else leaves any state behind.
  fromStranger(from: UdpRemote, datagram: ClientDatagram, size: number, now: number): void {
    if (datagram.kind === 'quit') return this.sender.replyToStranger(from, size, [serverDatagram.goodbye()], now);
    if (datagram.kind !== 'join' && datagram.kind !== 'text') return;
    const name = datagram.kind === 'join' ? datagram.name : datagram.text.trim();
    const refusal = this.nameRefusal(name, from);
    if (refusal) {
      this.emit({ type: 'refuse', remote: from, code: refusal[0], name });
      return this.sender.replyToStranger(from, size, errorForms(...refusal), now);
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
  fromPending(peer: Peer, datagram: ClientDatagram, now: number): void {
    if (datagram.kind === 'text' && matchesJoinCode(datagram.text, peer.code)) {
      const name = peer.name!;
      this.peers.prove(peer);
      return this.register(peer, name, peer.byCommand, now);
    }
    if (datagram.kind === 'quit') {
      this.peers.remove(peer);
      return this.sender.reply(peer, [serverDatagram.goodbye()], now);
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
  fromProven(peer: Peer, datagram: ClientDatagram, now: number): void {
    if (datagram.kind === 'quit') {
      this.peers.remove(peer);
      return this.sender.reply(peer, [serverDatagram.goodbye()], now);
    }
    if (peer.takeover) return; // waiting for the name's holder to answer
    if (datagram.kind === 'ping') return this.sender.reply(peer, [serverDatagram.pong(datagram.token)], now);
    if (datagram.kind === 'join') return this.register(peer, datagram.name, true, now);
    if (datagram.kind === 'text') {
      const retry = matchesJoinCode(datagram.text, peer.code) && peer.name !== undefined;
      if (retry) return this.register(peer, peer.name!, peer.byCommand, now);
      return this.register(peer, datagram.text.trim(), false, now);
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
      return this.sender.reply(holder, [serverDatagram.probe(holder.name!, this.takeoverWaitMs)], now);
    }
    this.peers.join(peer, name, now);
    this.host.announceJoin(peer, now);
  }

  /** The holder answered: the newcomer asking for its name is refused. */
  keepName(holder: Peer, now: number): void {
    const newcomer = holder.probedBy!;
    holder.probedBy = undefined;
    newcomer.takeover = undefined;
    this.refuse(newcomer, 'NAME_TAKEN', `${holder.name} is taken: send another name`, newcomer.name, now);
  }

  /** The holder stayed silent: it is gone, and the newcomer from the same IP takes its name. */
  replaceHolder(newcomer: Peer, now: number): void {
    const holder = newcomer.takeover!.holder;
    newcomer.takeover = undefined;
    holder.probedBy = undefined;
    this.host.leave(holder, 'replaced', now);
    this.register(newcomer, newcomer.name!, newcomer.byCommand, now);
  }

  private refuse(peer: Peer, code: UdpErrorCode, text: string, name: string | undefined, now: number): void {
    this.emit({ type: 'refuse', remote: peer.remote, code, ...(name !== undefined && { name }) });
    this.sender.reply(peer, errorForms(code, text), now);
  }

  private sendChallenge(peer: Peer, now: number): void {
    const sentBefore = peer.sent;
    this.sender.reply(peer, challengeForms(peer.code, peer.name!), now);
    this.emit({ type: 'challenge', remote: peer.remote, name: peer.name!, sent: peer.sent > sentBefore });
  }
}
