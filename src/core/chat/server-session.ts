// One chat connection: lines in from its link through flood control, commands processed
// strictly in order, replies out through the shared output batcher. It never knows what kind
// of link it has. Kept lean on purpose — no per-connection timers except while flood control
// is holding lines — because an idle connection must cost the server only a few KiB.
import { serverLine } from '../../protocol/chat/chat-lines.ts';
import type { ErrorCode } from '../../protocol/chat/error-codes.ts';
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import { startsUpload, uploadMayStartHere } from '../files/file-commands.ts';
import type { FileService } from '../files/file-service.ts';
import type { TicketOwner } from '../files/transfer-tickets.ts';
import type { UploadIntake } from '../files/upload-intake.ts';
import type { ControlChannel } from '../udp-transfer/transfer-io.ts';
import type { LineLink, LineLinkHandler, RawOutput } from '../links/line-link.ts';
import { encodeLine } from '../links/line-link.ts';
import { dispatchCommand, type CommandSession } from './command-table.ts';
import { DISCONNECT_REASONS, type DisconnectReason } from './server-events.ts';
import { SessionTransfers } from './session-transfers.ts';
import type { ChatGroup, UserRegistry } from './user-registry.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import { FloodBucket, floodControlEnabled, replyTokens } from './flood-control.ts';
import type { PeerAddress } from './address-throttle.ts';
import type { ChatLimits } from './chat-limits.ts';
import type { BatchRecipient, OutputBatcher } from './output-batcher.ts';
import type { AccountService, LoggedInAccount } from '../accounts/account-service.ts';
import type { RemovalReason } from '../accounts/account-commands.ts';

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly limits: ChatLimits;
  readonly clock: Clock;
  readonly registry: UserRegistry;
  readonly batcher: OutputBatcher;
  /** The shared folder's service; undefined when the server shares no files. */
  readonly files: FileService | undefined;
  /** Accounts, bans and the server password; undefined when the server has none of them. */
  readonly accounts?: AccountService | undefined;
  sessionRegistered(session: ServerSession): void;
  /** The session stopped being usable: forget it in the registry, destroy it if it lingers. */
  sessionClosing(session: ServerSession): void;
  /** The connection is fully closed. */
  sessionClosed(session: ServerSession): void;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;
const NO_PING = -1;

/** A received line waiting its turn: the text, or the length of an over-long line. */
type HeldLine = string | number;

export class ServerSession implements CommandSession, LineLinkHandler, BatchRecipient {
  name: string | undefined = undefined;
  groups: Set<ChatGroup> | undefined = undefined;
  batched: Uint8Array[] | undefined = undefined;
  /** Why it closed; set once, when closing starts. */
  reason: DisconnectReason | undefined = undefined;
  quitMessage: string | undefined = undefined;
  private state = OPEN;
  private lastActivity: number;
  private pingSentAt = NO_PING;
  private inputEnded = false;
  private readonly flood: FloodBucket | undefined;
  /** Lines received while earlier ones wait (for a flood token or an unfinished command), in order. */
  private held: HeldLine[] | undefined = undefined;
  private floodTimer: TimerHandle | undefined = undefined;
  /** A command's promise has not settled yet. */
  private awaitingCommand = false;
  /** Bytes replied to the line being processed: a reply costs flood tokens at its size. */
  private repliedBytes = 0;
  linesReceived = 0;
  loginLines = 0;
  transfer: TicketOwner | undefined = undefined;
  transferStarted = false;
  private readonly transfers: SessionTransfers;
  /** Set by a successful AUTH. */
  account: LoggedInAccount | undefined = undefined;
  /** Set by a right PASS. */
  serverPasswordOk = false;

  constructor(
    readonly id: number,
    readonly link: LineLink,
    private readonly host: SessionHost,
    readonly connectedAt: number,
    /** Its address's state, shared with the address's other connections and kept after they close. */
    readonly peer: PeerAddress,
  ) {
    this.lastActivity = connectedAt;
    if (floodControlEnabled(host.limits)) this.flood = new FloodBucket(host.limits, connectedAt);
    this.transfers = new SessionTransfers(link, host.clock, (line) => this.reply(line), () => host.batcher.flushRecipient(this));
    link.attach(this);
  }

  get registry(): UserRegistry {
    return this.host.registry;
  }

  get limits(): ChatLimits {
    return this.host.limits;
  }

  get writable(): boolean {
    return this.state === OPEN;
  }

  /** Bytes accepted for this connection and not yet handed to the system (a download's buffers wait for 0). */
  get pendingOutputBytes(): number {
    return this.link.pendingOutputBytes;
  }

  get files(): FileService | undefined {
    return this.host.files;
  }

  get remoteAddress(): string {
    return this.link.remote.address;
  }

  get encrypted(): boolean {
    return this.link.encrypted;
  }

  get accounts(): AccountService | undefined {
    return this.host.accounts;
  }

  removeByServer(reason: RemovalReason, finalLine: string, message: string): void {
    this.quitMessage = message;
    this.close(reason, finalLine);
  }

  get transferOwner(): string | undefined {
    return this.name ?? this.transfer?.name;
  }

  // ---- output -------------------------------------------------------------------------------

  sendBytes(bytes: Uint8Array): void {
    this.host.batcher.write(this, bytes);
  }

  reply(line: string): void {
    const bytes = encodeLine(line);
    this.repliedBytes += bytes.length;
    this.host.batcher.write(this, bytes);
  }

  replyError(code: ErrorCode, message: string): void {
    this.reply(serverLine.error(code, message));
  }

  replyProblem(problem: FileProblem): void {
    this.replyError(problem.code, problem.message);
  }

  // ---- file transfers (see core/files/file-service.ts) --------------------------------------

  startRawOutput(header: string, onDrain: () => void): RawOutput {
    return this.transfers.startRawOutput(header, onDrain);
  }

  startRawInput(sink: UploadIntake, readBufferBytes: number): boolean {
    return this.transfers.startRawInput(sink, readBufferBytes);
  }

  pauseInput(): void {
    this.link.pause();
  }

  resumeInput(): void {
    if (this.state === OPEN) this.link.resume();
  }

  transferActivity(): void {
    this.transfers.activity();
  }

  /** The transfer is over: close after what is queued. */
  finish(finalLine?: string): void {
    this.close('transfer-done', finalLine);
  }

  abort(reason: 'transfer-broken' | 'transfer-idle' = 'transfer-broken'): void {
    this.close(reason);
    this.link.destroy();
  }

  announce(line: string): void {
    this.host.registry.announce(this.transferOwner, line);
  }

  udpControl(): { channel: ControlChannel; release: () => void } {
    return this.transfers.udpControl();
  }

  replyUsage(message: string): void {
    this.replyError('MISSING_ARGUMENT', message);
  }

  sendQueueFull(): void {
    this.close('send-queue-full', serverLine.error('SEND_QUEUE_FULL', 'you stopped reading; disconnecting'));
  }

  registered(): void {
    this.host.sessionRegistered(this);
  }

  quit(message?: string): void {
    if (this.name !== undefined) this.reply(serverLine.goodbye(this.name));
    if (message) this.quitMessage = message;
    this.close('quit');
  }

  /**
   * Stop processing, leave the registry, send `finalLine` after everything already queued, and end
   * the connection. The server destroys it if the peer does not let it close in time.
   */
  close(reason: DisconnectReason, finalLine?: string): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    this.reason = reason;
    this.dropHeld();
    this.host.sessionClosing(this);
    this.host.batcher.flushRecipient(this);
    this.link.end(finalLine);
  }

  /** The text other users see for the reason, with the QUIT message when there is one. */
  get reasonText(): string {
    const text = DISCONNECT_REASONS[this.reason ?? 'closed-by-peer'];
    return this.quitMessage ? `${text}: ${this.quitMessage}` : text;
  }

  // ---- timeouts (driven by the server's one sweep timer) ------------------------------------

  /** Registration timeout, idle PING and ping timeout, checked against `now`. */
  checkTimeouts(now: number): void {
    if (this.state !== OPEN) return;
    const limits = this.host.limits;
    // A file moving on the connection: its idle time counts, not registration or pings.
    if (this.transfers.running) {
      const idleMs = this.host.files?.limits.transferIdleTimeoutMs ?? Number.POSITIVE_INFINITY;
      if (this.transfers.idleFor(now) >= idleMs) this.abort('transfer-idle');
      return;
    }
    if (this.name === undefined) {
      if (limits.registrationTimeoutMs > 0 && now - this.connectedAt >= limits.registrationTimeoutMs) {
        this.close('registration-timeout', serverLine.error('REGISTRATION_TIMEOUT', 'no JOIN in time'));
      }
      return;
    }
    if (limits.pingIntervalMs <= 0) return;
    if (this.pingSentAt === NO_PING) {
      if (now - this.lastActivity >= limits.pingIntervalMs) {
        this.pingSentAt = now;
        this.reply(serverLine.ping(String(now)));
      }
    } else if (limits.pingTimeoutMs > 0 && now - this.pingSentAt >= limits.pingTimeoutMs) {
      this.close('ping-timeout', serverLine.error('PING_TIMEOUT', 'no reply to PING in time'));
    }
  }

  // ---- input (the link's handler) ------------------------------------------------------------

  line(text: string): void {
    this.received(text);
  }

  overlong(bytes: number): void {
    this.received(bytes);
  }

  inputOverflow(): void {
    if (this.state !== OPEN) return;
    const limit = this.host.limits.maxUnterminatedBytes;
    this.close('input-overflow', serverLine.error('INPUT_OVERFLOW', `more than ${limit} bytes without a newline`));
  }

  private received(item: HeldLine): void {
    if (this.state !== OPEN) return;
    this.lastActivity = this.host.clock.now();
    this.pingSentAt = NO_PING;
    if (typeof item === 'string' && this.transfers.takeControlLine(item)) return;
    // A blank line is ignored, and not counted: an upload after it still opens the connection.
    if (typeof item === 'string' && item.trim() === '') return;
    this.linesReceived++;
    // An over-long line where an upload may start could be one (its name too long): the bytes
    // after it would be read as lines, so it ends the connection.
    if (typeof item === 'number' && uploadMayStartHere(this)) {
      return this.close('upload-refused', serverLine.error('LINE_TOO_LONG', `first line of ${item} bytes; the limit is ${this.host.limits.maxLineBytes} bytes`));
    }
    // An upload's bytes follow its line in the same stream: it must be handled now, not held
    // by flood control, or the bytes after it would be read as lines.
    if (!this.held && typeof item === 'string' && startsUpload(item, this)) return this.process(item);
    if (this.held) {
      this.held.push(item);
      // Past the limit the client is flooding, whether flood control or an unfinished command
      // holds the lines. (Without flood control reading is paused, so one read's lines at most.)
      if (this.flood && this.held.length > this.host.limits.floodMaxDelayedLines) {
        this.close('flood', serverLine.error('FLOOD', 'too many lines too fast'));
      }
      return;
    }
    const wait = this.flood ? this.takeFloodToken(this.lastActivity) : 0;
    if (wait > 0) {
      // Reading stops while lines are held: TCP then slows the sender down by itself. (Not while
      // a UDP transfer needs its control lines: the held-line limit bounds a flooder then.)
      this.held = [item];
      if (!this.transfers.controlsUdp) this.link.pause();
      this.floodTimer = this.host.clock.setTimeout(this.release, wait);
      return;
    }
    this.process(item);
  }

  /**
   * Process held lines as flood tokens come back and commands finish; resume reading once
   * none are left. Runs from the flood timer and when a command's promise settles.
   */
  private readonly release = (): void => {
    this.floodTimer = undefined;
    if (this.awaitingCommand) this.chargeReply();
    this.awaitingCommand = false;
    const held = this.held;
    if (!held) return;
    while (held.length > 0 && this.state === OPEN) {
      const wait = this.flood ? this.takeFloodToken(this.host.clock.now()) : 0;
      if (wait > 0) {
        this.floodTimer = this.host.clock.setTimeout(this.release, wait);
        return;
      }
      this.process(held.shift()!);
      if (this.awaitingCommand) return;
    }
    this.held = undefined;
    if (this.state !== OPEN) return;
    if (this.inputEnded) this.close('closed-by-peer');
    else this.link.resume();
  };

  /**
   * A line needs a token from this connection's bucket and from its address's: 0 when both had
   * one (taken), else the milliseconds until both will.
   */
  private takeFloodToken(now: number): number {
    const own = this.flood!;
    const shared = this.peer.flood;
    const wait = Math.max(own.wait(now), shared ? shared.wait(now) : 0);
    if (wait === 0) {
      own.take(now);
      shared?.take(now);
    }
    return wait;
  }

  private process(item: HeldLine): void {
    if (typeof item !== 'string') {
      const limit = this.host.limits.maxLineBytes;
      return this.replyError('LINE_TOO_LONG', `line of ${item} bytes dropped; the limit is ${limit} bytes`);
    }
    this.repliedBytes = 0;
    const pending = dispatchCommand(this, item);
    if (!pending) return this.chargeReply();
    if (this.state !== OPEN) return;
    // The lines after this one wait for it, in order; reading stops meanwhile.
    this.awaitingCommand = true;
    if (!this.held) {
      this.held = [];
      // An upload reads its own bytes meanwhile (its intake pauses and resumes reading), and a
      // UDP transfer its control lines: only then does reading go on.
      if (!this.transfers.takesInput) this.link.pause();
    }
    // A failing handler is a bug: its rejection is reported as unhandled, as a throw would be.
    void pending.finally(this.release);
  }

  /**
   * A reply longer than a line costs one more flood token per max-line-bytes it sent, as if the
   * client had sent that much: looping a long listing is then as slow as sending it.
   */
  private chargeReply(): void {
    if (!this.flood) return;
    const extra = replyTokens(this.repliedBytes, this.host.limits.maxLineBytes) - 1;
    if (extra <= 0) return;
    const now = this.host.clock.now();
    this.flood.charge(extra, now);
    this.peer.flood?.charge(extra, now);
  }

  private dropHeld(): void {
    if (this.floodTimer !== undefined) this.host.clock.clearTimeout(this.floodTimer);
    this.floodTimer = undefined;
    this.held = undefined;
  }

  peerEnded(): void {
    this.inputEnded = true;
    // Lines still held are processed first; then the session closes.
    if (this.state === OPEN && !this.held) this.close('closed-by-peer');
  }

  closed(hadError: boolean): void {
    if (this.state === CLOSED) return;
    this.transfers.connectionLost();
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.reason = hadError ? 'reset' : 'closed-by-peer';
      this.dropHeld();
      this.host.sessionClosing(this);
    }
    this.state = CLOSED;
    this.transfers.wakeDownload();
    this.host.sessionClosed(this);
  }
}
