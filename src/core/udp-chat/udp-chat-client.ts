// The UDP chat client core: one UDP socket aimed at a netchat `udp-serve` (or any server of the
// original UDP chat that sends a join code). It registers a name, re-sending until answered
// because datagrams get lost; keeps itself alive; paces its messages under the server's rate
// limit; notices when the server is gone; and leaves with an acknowledged `/quit`. It prints
// nothing and never exits: commands decide what events and closes mean. Events carry the
// server's text exactly as received: whatever shows it makes it safe for a terminal.
//
// Guarantees:
//  1. Messages leave in the order they were queued, never faster than the server accepts.
//  2. No datagram over the server's max-datagram-bytes is sent; it is refused here.
//  3. `leave()` sends `/quit` once the queue is empty and resolves when the server says
//     goodbye; UDP itself promises nothing about earlier messages (see docs/PROTOCOL.md).
//  4. From the server's first answer on, nothing from it for server-timeout closes the client
//     (`timeout`), whatever the phase: a server gone between announcing the join and the
//     welcome is noticed as soon as one gone later.
import { clientDatagram, isCommandText } from '../../protocol/udp-chat/client-datagrams.ts';
import { parseServerDatagram, type UdpServerEvent } from '../../protocol/udp-chat/server-datagrams.ts';
import { UDP_FATAL_CODES, type UdpErrorCode } from '../../protocol/udp-chat/udp-error-codes.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import type { Runtime, UdpSocket } from '../../runtime/types.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { DEFAULT_UDP_CHAT_CLIENT_LIMITS, DEFAULT_UDP_CHAT_LIMITS as SERVER_DEFAULTS } from './udp-chat-limits.ts';
import { UdpClientOutbox } from './udp-client-outbox.ts';
import type { UdpChatClientEvents, UdpChatClientOptions, UdpCloseInfo, UdpJoinResult, UdpSendResult } from './udp-chat-client-types.ts';

export type { UdpChatClientEvents, UdpChatClientOptions, UdpCloseInfo, UdpCloseReason, UdpJoinResult, UdpSendResult } from './udp-chat-client-types.ts';

const DEFAULTS = { ...DEFAULT_UDP_CHAT_CLIENT_LIMITS, retransmitMs: 500 };
const MAX_RETRANSMIT_MS = 2_000;
const REFUSALS = new Set(['NAME_INVALID', 'NAME_TAKEN', 'SERVER_FULL', 'ALREADY_REGISTERED']);

/** Bind a socket for talking to `host` (an IPv6 literal needs a udp6 one) and wrap it. */
export async function openUdpChat(runtime: Pick<Runtime, 'bindUdp'>, options: UdpChatClientOptions): Promise<UdpChatClient> {
  const socket = await runtime.bindUdp({ host: options.host.includes(':') ? '::' : '0.0.0.0', port: 0 });
  return new UdpChatClient(socket, options);
}

type Phase = 'idle' | 'hello' | 'code' | 'joined' | 'leaving' | 'closed';

export class UdpChatClient {
  /** The name the server welcomed, once joined. */
  name: string | undefined;
  /**
   * The server let us in: it announced our join or welcomed us. Its welcome (which `join`
   * waits for) may still be on the way, or lost.
   */
  admitted = false;
  maxDatagramBytes = SERVER_DEFAULTS.maxDatagramBytes;
  readonly closed: Promise<UdpCloseInfo>;

  private readonly clock: Clock;
  private readonly options: Required<Pick<UdpChatClientOptions, 'replyTimeoutMs' | 'serverTimeoutMs' | 'retransmitMs'>>;
  private readonly outbox: UdpClientOutbox;
  private readonly decoder = new TextDecoder();
  private readonly listeners: { [E in keyof UdpChatClientEvents]: Set<UdpChatClientEvents[E]> } = {
    event: new Set(),
    drain: new Set(),
    close: new Set(),
  };
  private phase: Phase = 'idle';
  private wanted = '';
  private code = '';
  private keepaliveMs: number;
  private lastHeardAt: number;
  private retransmitTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private tickTimer: TimerHandle | undefined;
  private pendingJoin: ((result: UdpJoinResult) => void) | undefined;
  private closeInfo: UdpCloseInfo | undefined;
  private resolveClosed!: (info: UdpCloseInfo) => void;

  constructor(
    private readonly socket: UdpSocket,
    private readonly target: UdpChatClientOptions,
  ) {
    this.clock = target.clock ?? systemClock;
    this.options = {
      replyTimeoutMs: target.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs,
      serverTimeoutMs: target.serverTimeoutMs ?? DEFAULTS.serverTimeoutMs,
      retransmitMs: target.retransmitMs ?? DEFAULTS.retransmitMs,
    };
    this.keepaliveMs = this.options.serverTimeoutMs / 3;
    this.lastHeardAt = this.clock.now();
    this.outbox = new UdpClientOutbox(
      socket,
      target,
      this.clock,
      { burst: SERVER_DEFAULTS.floodBurst, linesPerSecond: SERVER_DEFAULTS.floodDatagramsPerSecond },
      target.pacerMargin,
      () => this.drained(),
      (error) => this.finish({ reason: 'error', code: (error as { code?: string }).code ?? 'ESEND', message: error.message }),
    );
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // Only the server's port counts; anything else arriving on the socket is noise.
    socket.on('message', (data, from) => {
      if (from.port === target.port) this.receive(data);
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Messages waiting for the pacer. */
  get queuedLines(): number {
    return this.outbox.length;
  }

  on<E extends keyof UdpChatClientEvents>(event: E, listener: UdpChatClientEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Register `name`, re-sending until the server answers; resolves with the welcome or the refusal. */
  join(name: string): Promise<UdpJoinResult> {
    if (this.closeInfo) return Promise.resolve(closedResult(this.closeInfo));
    if (this.phase !== 'idle') throw new Error('join already in progress or done');
    this.wanted = name;
    this.phase = 'hello';
    this.retransmit(() => clientDatagram.join(name));
    this.deadlineTimer = this.clock.setTimeout(
      () => this.finish({ reason: 'timeout', message: `no answer from the server within ${this.options.replyTimeoutMs / 1000} s` }),
      this.options.replyTimeoutMs,
    );
    return new Promise((resolve) => {
      this.pendingJoin = (result) => {
        this.pendingJoin = undefined;
        this.stopRetransmit();
        if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
        if (!result.ok && this.phase !== 'closed') this.phase = 'idle';
        resolve(result);
      };
    });
  }

  /** Queue one message. Refused, not sent, when the server would not relay it as it is. */
  send(text: string): UdpSendResult {
    if (this.closeInfo) return { ok: false, code: 'CLOSED', message: 'the client is closed' };
    if (this.phase === 'leaving') return { ok: false, code: 'LEAVING', message: 'the client is leaving' };
    if (text.trim() === '') return { ok: false, code: 'EMPTY', message: 'an empty message is not relayed' };
    if (isCommandText(text)) return { ok: false, code: 'COMMAND_TEXT', message: `"${text}" is a command to the server, not a message` };
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > this.maxDatagramBytes) {
      return { ok: false, code: 'DATAGRAM_TOO_LONG', message: `message is ${bytes} bytes; the server accepts at most ${this.maxDatagramBytes}` };
    }
    this.outbox.push(text);
    return { ok: true };
  }

  /** Leave once the queue is empty (or at once, dropping it); resolves with how it ended. */
  leave(options: { discardQueued?: boolean } = {}): Promise<UdpCloseInfo> {
    if (this.closeInfo || this.phase === 'leaving') return this.closed;
    if (this.phase !== 'joined') {
      this.finish({ reason: 'aborted' });
      return this.closed;
    }
    this.phase = 'leaving';
    if (options.discardQueued) this.outbox.clear();
    if (this.outbox.length === 0) this.sendQuit();
    return this.closed;
  }

  /** Close now, without telling the server. */
  close(): void {
    this.finish({ reason: 'aborted' });
  }

  private drained(): void {
    if (this.phase === 'leaving') this.sendQuit();
    this.emit('drain');
  }

  private sendQuit(): void {
    this.retransmit(() => clientDatagram.quit());
    this.deadlineTimer = this.clock.setTimeout(
      () => this.finish({ reason: 'timeout', message: `the server did not confirm /quit within ${this.options.replyTimeoutMs / 1000} s` }),
      this.options.replyTimeoutMs,
    );
  }

  /** Send `datagram()` now and again, with doubling delays, until stopRetransmit. */
  private retransmit(datagram: () => string, delayMs = this.options.retransmitMs): void {
    this.stopRetransmit();
    this.outbox.urgent(datagram());
    this.retransmitTimer = this.clock.setTimeout(() => this.retransmit(datagram, Math.min(MAX_RETRANSMIT_MS, delayMs * 2)), delayMs);
  }

  private stopRetransmit(): void {
    if (this.retransmitTimer !== undefined) this.clock.clearTimeout(this.retransmitTimer);
    this.retransmitTimer = undefined;
  }

  private receive(data: Uint8Array): void {
    if (this.closeInfo) return;
    this.lastHeardAt = this.clock.now();
    let text = this.decoder.decode(data);
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const event = parseServerDatagram(text);
    switch (event.type) {
      case 'pong':
        return;
      case 'probe':
        // Another process at our address asks for our name: we are still here.
        if (this.phase === 'joined' || this.phase === 'leaving') this.outbox.urgent(clientDatagram.ping(''));
        return;
      case 'challenge':
        if (this.phase === 'hello' || (this.phase === 'code' && event.code !== this.code)) {
          this.phase = 'code';
          this.code = event.code;
          this.retransmit(() => clientDatagram.code(event.code));
          this.watchServer();
        }
        return;
      case 'user-joined':
        // The server announces a join only once the code came back, just before the welcome.
        if ((this.phase === 'hello' || this.phase === 'code') && nameKey(event.name) === nameKey(this.wanted)) this.admitted = true;
        break;
      case 'welcome':
        if (this.phase !== 'hello' && this.phase !== 'code') return;
        if (nameKey(event.name) !== nameKey(this.wanted)) break;
        return this.joined(event, text);
      case 'error':
        if (this.pendingJoin && REFUSALS.has(event.code)) {
          this.emit('event', event, text);
          return this.pendingJoin({ ok: false, code: event.code, message: event.message });
        }
        if (UDP_FATAL_CODES.has(event.code as UdpErrorCode)) {
          this.emit('event', event, text);
          return this.finish({ reason: 'kicked', code: event.code, message: event.message });
        }
        break;
      case 'shutdown':
        this.emit('event', event, text);
        return this.finish({ reason: 'shutdown', message: event.text });
      case 'goodbye':
        if (this.phase !== 'leaving') break;
        this.emit('event', event, text);
        return this.finish({ reason: 'quit' });
    }
    this.emit('event', event, text);
  }

  private joined(event: Extract<UdpServerEvent, { type: 'welcome' }>, text: string): void {
    this.phase = 'joined';
    this.admitted = true;
    this.name = event.name;
    const { limits } = event;
    const maxBytes = limits['max-datagram-bytes'];
    if (maxBytes !== undefined && maxBytes > 0) this.maxDatagramBytes = maxBytes;
    if (limits['flood-burst'] !== undefined) {
      this.outbox.configure({ burst: limits['flood-burst'], linesPerSecond: limits['flood-rate'] ?? 0 });
    }
    const idle = limits['idle-timeout-ms'];
    // Pings keep us in at a quarter of the server's idle timeout, and prove it is still there.
    if (idle !== undefined && idle > 0) this.keepaliveMs = Math.min(this.keepaliveMs, idle / 4);
    // Watched at the new pace from now on: the check set while joining may be far off.
    this.stopWatchingServer();
    this.watchServer();
    this.emit('event', event, text);
    this.pendingJoin?.({ ok: true, name: event.name, online: event.online });
  }

  /**
   * From the server's first answer on: give up on a server silent for server-timeout, and once
   * joined ping after a quiet spell. Off while idle (a refused name, another being chosen) and
   * until the first answer, when the reply timeout alone applies.
   */
  private watchServer(): void {
    if (this.tickTimer !== undefined) return;
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      if (this.phase === 'idle' || this.phase === 'hello' || this.phase === 'closed') return;
      const now = this.clock.now();
      if (now - this.lastHeardAt >= this.options.serverTimeoutMs) {
        const seconds = this.options.serverTimeoutMs / 1000;
        return this.finish({ reason: 'timeout', message: `nothing from the server for ${seconds} s` });
      }
      const joined = this.phase === 'joined' || this.phase === 'leaving';
      if (joined && now - this.outbox.lastSentAt >= this.keepaliveMs) this.outbox.urgent(clientDatagram.ping(''));
      this.watchServer();
    }, Math.max(10, this.keepaliveMs / 2));
  }

  private stopWatchingServer(): void {
    if (this.tickTimer !== undefined) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
  }

  private emit<E extends keyof UdpChatClientEvents>(event: E, ...args: Parameters<UdpChatClientEvents[E]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: typeof args) => void)(...args);
  }

  private finish(info: UdpCloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.phase = 'closed';
    this.outbox.stop();
    this.stopRetransmit();
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.stopWatchingServer();
    this.pendingJoin?.(closedResult(info));
    void this.socket.close();
    this.resolveClosed(info);
    this.emit('close', info);
  }
}

function closedResult(close: UdpCloseInfo): UdpJoinResult {
  return { ok: false, code: 'CLOSED', message: `closed (${close.reason})`, close };
}
