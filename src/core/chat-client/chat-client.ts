// The chat client core: one line link to a netchat server. It registers a name, emits
// every server line as a parsed event, paces what it sends to stay under the server's flood
// control, answers PING by itself, and leaves with a guarantee that everything sent before was
// processed. It prints nothing and never exits: commands decide what events and closes mean.
//
// Guarantees of `send` and `leave`:
//  1. Lines leave in the order they were queued (PONG alone jumps the queue).
//  2. No line longer than the server's max-line-bytes is ever sent; it is refused here.
//  3. After the welcome, the client asks LIMITS and paces itself a little under the answer.
//  4. `leave()` sends QUIT after the queue has drained and resolves once the server closed the
//     connection: the server handles a client's lines in order, so all of them were processed.
import { FATAL_ERROR_CODES, type ErrorCode } from '../../protocol/chat/error-codes.ts';
import { clientLine, parseServerLine, type ServerEvent } from '../../protocol/chat/chat-lines.ts';
import { readLimitsReply } from '../../protocol/chat/limits-reply.ts';
import { fileClientLine } from '../../protocol/files/file-lines.ts';
import type { LineDecoderLimits } from '../../protocol/shared/line-decoder.ts';
import type { Runtime, TcpConnection } from '../../runtime/types.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { formatHostPort } from '../shared/host-port.ts';
import type { LineLink } from '../links/line-link.ts';
import { TcpLineLink } from '../links/tcp-line-link.ts';
import { ClientOutbox } from './client-outbox.ts';
import { ConnectError, type ChatClientEvents, type ChatClientOptions, type CloseInfo, type JoinResult, type LoginResult, type SendResult } from './chat-client-types.ts';
import { clientBoundsFrom, SERVER_LIMIT_RANGES } from './server-limit-ranges.ts';
import { DEFAULT_CHAT_LIMITS } from '../chat/chat-limits.ts';

export type { ChatClientEvents, ChatClientOptions, CloseInfo, CloseReason, JoinResult, LoginResult, SendResult } from './chat-client-types.ts';
export { ConnectError } from './chat-client-types.ts';

/**
 * Server lines are short; this bound (raised to the server's max-reply-bytes, within the
 * client's own ceiling) only stops a broken or hostile peer eating memory.
 */
const INCOMING_MAX_LINE_BYTES = SERVER_LIMIT_RANGES.maxReplyBytes.min;

/** What the client reads from a server until the server names its longest line. */
export const INCOMING_LINE_LIMITS: Readonly<LineDecoderLimits> = Object.freeze({
  maxLineBytes: INCOMING_MAX_LINE_BYTES,
  maxUnterminatedBytes: INCOMING_MAX_LINE_BYTES,
});

const DEFAULTS = { replyTimeoutMs: 10_000, limitsTimeoutMs: 5_000 };

export async function connectChat(runtime: Pick<Runtime, 'connectTcp'>, options: ChatClientOptions): Promise<ChatClient> {
  let connection: TcpConnection;
  try {
    connection = await runtime.connectTcp({ host: options.host, port: options.port, timeoutMs: options.connectTimeoutMs });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ECONNECT';
    const target = formatHostPort(options.host, options.port);
    throw new ConnectError(code, options.host, options.port, `cannot connect to ${target}: ${(error as Error).message}`);
  }
  return new ChatClient(new TcpLineLink(connection, INCOMING_LINE_LIMITS), options);
}

export class ChatClient {
  /** The name the server accepted, once registered. */
  name: string | undefined;
  /** The server's latest `[Limits]` answer. */
  limits: Readonly<Record<string, number>> = {};
  maxLineBytes: number = DEFAULT_CHAT_LIMITS.maxLineBytes;
  readonly closed: Promise<CloseInfo>;

  private readonly clock: Clock;
  private readonly options: Required<Pick<ChatClientOptions, 'replyTimeoutMs' | 'limitsTimeoutMs'>>;
  private readonly outbox: ClientOutbox;
  private incomingMaxLineBytes = INCOMING_MAX_LINE_BYTES;
  private readonly encoder = new TextEncoder();
  private readonly listeners: { [E in keyof ChatClientEvents]: Set<ChatClientEvents[E]> } = {
    event: new Set(),
    drain: new Set(),
    close: new Set(),
  };
  /** TICKET requests in flight, answered in order. */
  private readonly ticketWaiters: Array<(answer: { token: string } | { code: string; message: string }) => void> = [];
  private cancelReplyTimer: (() => void) | undefined;
  private pendingJoin: ((result: JoinResult) => void) | undefined;
  private pendingLogin: ((result: LoginResult) => void) | undefined;
  private pendingLimits: (() => void) | undefined;
  private cancelLimitsTimer: (() => void) | undefined;
  private leaving = false;
  private quitSent = false;
  private goodbyeSeen = false;
  /** Why the server is about to close, when it said so first. */
  private announced: CloseInfo | undefined;
  private failure: CloseInfo | undefined;
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;

  constructor(
    private readonly link: LineLink,
    options: ChatClientOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.options = {
      replyTimeoutMs: options.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs,
      limitsTimeoutMs: options.limitsTimeoutMs ?? DEFAULTS.limitsTimeoutMs,
    };
    // Until the server says otherwise, assume its defaults: JOIN and LIMITS are charged too.
    this.outbox = new ClientOutbox(
      link,
      this.clock,
      { burst: DEFAULT_CHAT_LIMITS.floodBurst, linesPerSecond: DEFAULT_CHAT_LIMITS.floodLinesPerSecond },
      options.pacerMargin,
      () => this.emit('drain'),
    );
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const ignore = () => {};
    link.attach({
      line: (line) => this.handleLine(line),
      overlong: ignore,
      inputOverflow: () => this.abort({ reason: 'error', code: 'INPUT_OVERFLOW', message: 'the server sent an endless line' }),
      // The server's half-close is followed by its close, which decides.
      peerEnded: ignore,
      closed: () => this.finish(),
      error: (error) => {
        this.failure ??= { reason: 'error', code: (error as { code?: string }).code ?? 'ESOCKET', message: error.message };
      },
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Lines waiting for the pacer. */
  get queuedLines(): number {
    return this.outbox.length;
  }

  on<E extends keyof ChatClientEvents>(event: E, listener: ChatClientEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Register `name`; resolves after the welcome and the LIMITS answer, or with the refusal. */
  join(name: string): Promise<JoinResult> {
    if (this.closeInfo) return Promise.resolve(closedResult(this.closeInfo));
    if (this.pendingJoin || this.name !== undefined) throw new Error('join already in progress or done');
    const sent = this.send(clientLine.join(name));
    if (!sent.ok) return Promise.resolve({ ok: false, code: sent.code, message: sent.message });
    return new Promise((resolve) => {
      this.cancelReplyTimer = this.after(
        () => this.abort({ reason: 'timeout', message: `no answer to JOIN within ${this.options.replyTimeoutMs} ms` }),
        this.options.replyTimeoutMs,
      );
      this.pendingJoin = (result) => {
        this.cancelReplyTimer?.();
        this.pendingJoin = undefined;
        resolve(result);
      };
    });
  }

  /**
   * Before `join`: send AUTH or PASS (`line`) and resolve with the server's answer. The line
   * holds a password: it is never emitted as an event.
   */
  login(line: string): Promise<LoginResult> {
    if (this.closeInfo) return Promise.resolve(closedResult(this.closeInfo));
    if (this.pendingLogin || this.pendingJoin) throw new Error('a login or join is in progress');
    const sent = this.send(line);
    if (!sent.ok) return Promise.resolve({ ok: false, code: sent.code, message: sent.message });
    return new Promise((resolve) => {
      // Checking a password takes the server a moment, and throttled servers queue it.
      const cancel = this.after(() => this.abort({ reason: 'timeout', message: `no answer to the login within ${this.options.replyTimeoutMs} ms` }), this.options.replyTimeoutMs);
      this.pendingLogin = (result) => {
        cancel();
        this.pendingLogin = undefined;
        resolve(result);
      };
    });
  }

  /** Queue one protocol line (no newline). Refused, not sent, when over the server's line limit. */
  send(line: string): SendResult {
    if (this.closeInfo) return { ok: false, code: 'CLOSED', message: 'the connection is closed' };
    if (this.leaving) return { ok: false, code: 'LEAVING', message: 'the client is leaving' };
    if (/[\r\n]/.test(line)) return { ok: false, code: 'INVALID_LINE', message: 'a line cannot contain CR or LF' };
    const bytes = this.encoder.encode(line).length;
    if (bytes > this.maxLineBytes) {
      return {
        ok: false,
        code: 'LINE_TOO_LONG',
        message: `line is ${bytes} bytes; the server accepts at most ${this.maxLineBytes}`,
      };
    }
    this.outbox.push(line);
    return { ok: true };
  }

  /**
   * Leave cleanly: send QUIT once everything queued is sent (or drop the queue with
   * `discardQueued`), then wait for the server to close. Resolves with how it ended.
   */
  leave(options: { discardQueued?: boolean; reason?: string } = {}): Promise<CloseInfo> {
    if (this.closeInfo || this.leaving) return this.closed;
    this.leaving = true;
    if (options.discardQueued) this.outbox.clear();
    this.outbox.push(clientLine.quit(options.reason), () => {
      this.quitSent = true;
      // Our half-close tells even a server that ignores QUIT that we are done.
      this.link.end();
      this.cancelReplyTimer?.();
      this.cancelReplyTimer = this.after(
        () => this.abort({ reason: 'timeout', message: `server did not close within ${this.options.replyTimeoutMs} ms of QUIT` }),
        this.options.replyTimeoutMs,
      );
    });
    return this.closed;
  }

  /**
   * A one-time ticket for a file transfer on a second connection (TICKET). Throws with the
   * server's code when it refuses (a server that shares no files), or when no answer comes.
   */
  requestTicket(): Promise<string> {
    const sent = this.send(fileClientLine.ticket());
    if (!sent.ok) return Promise.reject(Object.assign(new Error(sent.message), { code: sent.code }));
    return new Promise((resolve, reject) => {
      const cancel = this.after(() => waiter({ code: 'TIMEOUT', message: 'no answer to TICKET' }), this.options.replyTimeoutMs);
      const waiter = (answer: { token: string } | { code: string; message: string }) => {
        cancel();
        const at = this.ticketWaiters.indexOf(waiter);
        if (at !== -1) this.ticketWaiters.splice(at, 1);
        if ('token' in answer) resolve(answer.token);
        else reject(Object.assign(new Error(answer.message), { code: answer.code }));
      };
      this.ticketWaiters.push(waiter);
    });
  }

  /**
   * Stop reading from the server, for a caller whose output backs up: the server's slow-reader
   * limit then applies instead of this process's memory. Lines already received are still
   * emitted; PING is not seen (nor answered) until reading resumes.
   */
  pauseReading(): void {
    this.link.pause();
  }

  resumeReading(): void {
    this.link.resume();
  }

  /** Close now, without QUIT. */
  close(): void {
    this.abort({ reason: 'aborted' });
  }

  private abort(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.failure ??= info;
    this.link.destroy();
    // Some runtimes report 'close' a tick later; the outcome is already decided.
    this.finish();
  }

  /** Run `callback` after `ms`; returns the cancel function. */
  private after(callback: () => void, ms: number): () => void {
    const handle = this.clock.setTimeout(callback, ms);
    return () => this.clock.clearTimeout(handle);
  }

  private emit<E extends keyof ChatClientEvents>(event: E, ...args: Parameters<ChatClientEvents[E]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: typeof args) => void)(...args);
  }

  private handleLine(line: string): void {
    if (this.closeInfo) return;
    const event = parseServerLine(line);
    switch (event.type) {
      case 'ping':
        // Answered at once, ahead of the queue: a PONG stuck behind paced lines could time out.
        this.outbox.urgent(clientLine.pong(event.token));
        return;
      case 'pong':
        return;
      case 'ticket':
        // A ticket is for the transfer that asked for it, not for the user to see.
        return this.ticketWaiters[0]?.({ token: event.token });
      case 'limits':
        this.applyLimits(event.limits);
        if (this.pendingLimits) return this.pendingLimits();
        break;
      case 'welcome':
        if (this.pendingJoin) return this.registered(event, line);
        break;
      case 'logged-in':
      case 'password-accepted':
        if (this.pendingLogin) {
          this.emit('event', event, line);
          return this.pendingLogin({ ok: true });
        }
        break;
      case 'error':
        if (FATAL_ERROR_CODES.has(event.code as ErrorCode)) {
          this.announced = { reason: 'kicked', code: event.code, message: event.message };
        } else if (this.pendingLimits && event.code === 'UNKNOWN_COMMAND') {
          // A server without LIMITS: keep the assumed defaults.
          return this.pendingLimits();
        } else if (this.ticketWaiters.length > 0 && event.code === 'UNKNOWN_COMMAND') {
          // A server that shares no files (or knows no TICKET) refuses the transfer.
          return this.ticketWaiters[0]!({ code: event.code, message: event.message });
        } else if (this.pendingLogin) {
          this.emit('event', event, line);
          return this.pendingLogin({ ok: false, code: event.code, message: event.message });
        } else if (this.pendingJoin && this.name === undefined) {
          this.emit('event', event, line);
          return this.pendingJoin({ ok: false, code: event.code, message: event.message });
        }
        break;
      case 'shutdown':
        this.announced = { reason: 'shutdown', message: event.text };
        break;
      case 'goodbye':
        this.goodbyeSeen = true;
        break;
    }
    this.emit('event', event, line);
  }

  private registered(event: Extract<ServerEvent, { type: 'welcome' }>, line: string): void {
    this.name = event.name;
    this.cancelReplyTimer?.();
    this.emit('event', event, line);
    const done = () => {
      this.cancelLimitsTimer?.();
      this.pendingLimits = undefined;
      this.pendingJoin?.({ ok: true, name: event.name, online: event.online, text: event.text });
    };
    this.cancelLimitsTimer = this.after(done, this.options.limitsTimeoutMs);
    this.pendingLimits = done;
    this.send(clientLine.limits());
  }

  /**
   * Runs inside the link's line callback, so new input limits start at a line boundary. A
   * server may send `[Limits]` at any time; every value is clamped into the client's own range.
   */
  private applyLimits(pairs: Record<string, number>): void {
    this.limits = pairs;
    const bounds = clientBoundsFrom(readLimitsReply(pairs));
    if (bounds.maxLineBytes !== undefined) this.maxLineBytes = bounds.maxLineBytes;
    if (bounds.maxReplyBytes !== undefined && bounds.maxReplyBytes !== this.incomingMaxLineBytes) {
      this.incomingMaxLineBytes = bounds.maxReplyBytes;
      this.link.setInputLimits({ maxLineBytes: bounds.maxReplyBytes, maxUnterminatedBytes: bounds.maxReplyBytes });
    }
    if (bounds.flood) this.outbox.configure(bounds.flood);
  }

  /** How the connection ended, judged at close. */
  private outcome(): CloseInfo {
    if (this.failure?.reason === 'timeout' || this.failure?.reason === 'aborted') return this.failure;
    if (this.announced) return this.announced;
    // A close after QUIT is the answer to it, unless the socket broke before the goodbye came.
    if (this.quitSent && (this.goodbyeSeen || !this.failure)) return { reason: 'quit' };
    return this.failure ?? { reason: 'server-closed' };
  }

  private finish(): void {
    if (this.closeInfo) return;
    this.closeInfo = this.outcome();
    const info = this.closeInfo;
    this.outbox.stop();
    this.cancelReplyTimer?.();
    this.cancelLimitsTimer?.();
    this.pendingLimits = undefined;
    for (const waiter of [...this.ticketWaiters]) waiter({ code: 'CLOSED', message: 'the connection is closed' });
    this.pendingJoin?.(closedResult(info));
    this.pendingLogin?.(closedResult(info));
    this.resolveClosed(info);
    this.emit('close', info);
  }
}

function closedResult(close: CloseInfo): JoinResult {
  return { ok: false, code: 'CLOSED', message: `connection closed (${close.reason})`, close };
}
