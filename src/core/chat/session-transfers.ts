// A chat connection's part in file transfers (core/files/file-service.ts drives them): a
// download's raw bytes going out, an upload's coming in, or a UDP transfer's control lines, and
// the idle time that counts while one runs instead of registration and pings. ServerSession
// hands these to it.
import { UdpControlLines } from '../files/udp-control-lines.ts';
import type { UploadIntake } from '../files/upload-intake.ts';
import type { LineLink, RawOutput } from '../links/line-link.ts';
import type { Clock } from '../shared/clock.ts';
import type { ControlChannel } from '../udp-transfer/transfer-io.ts';

export class SessionTransfers {
  /** A file moves on this connection. */
  private transferring = false;
  private lastActivity = 0;
  /** Set once the connection's input is an upload's bytes. */
  private rawIntake: UploadIntake | undefined = undefined;
  /** A download's drain callback while its bytes go out: a connection that closes must wake it too. */
  private rawDrain: (() => void) | undefined = undefined;
  /** Set once the connection controls a UDP transfer (DOWNLOAD_UDP). */
  private udpLines: UdpControlLines | undefined = undefined;

  constructor(
    private readonly link: LineLink,
    private readonly clock: Clock,
    /** Send a line after everything already queued for the connection. */
    private readonly reply: (line: string) => void,
    /** Hand the connection's batched lines to its link now. */
    private readonly flushBatched: () => void,
  ) {}

  /** Whether a transfer runs, so that its idle time counts. */
  get running(): boolean {
    return this.transferring;
  }

  /** Milliseconds since the running transfer last moved. */
  idleFor(now: number): number {
    return now - this.lastActivity;
  }

  /** A UDP transfer is under way: its control lines must get in even while chat lines wait. */
  get controlsUdp(): boolean {
    return this.udpLines?.active ?? false;
  }

  /** The connection's input feeds a transfer (an upload's bytes, a UDP transfer's control lines). */
  get takesInput(): boolean {
    return this.rawIntake !== undefined || this.controlsUdp;
  }

  activity(): void {
    this.lastActivity = this.clock.now();
  }

  startRawOutput(header: string, onDrain: () => void): RawOutput {
    // The header must follow every line already batched for this connection, and come first.
    this.flushBatched();
    this.link.writeLine(header);
    this.begin();
    const raw = this.link.startRawOutput(onDrain);
    this.rawDrain = onDrain;
    return {
      write: (bytes) => raw.write(bytes),
      end: () => {
        raw.end();
        this.transferring = false;
        this.rawDrain = undefined;
      },
    };
  }

  startRawInput(sink: UploadIntake, readBufferBytes: number): boolean {
    this.rawIntake = sink;
    this.begin();
    return this.link.startRawInput(sink, readBufferBytes);
  }

  udpControl(): { channel: ControlChannel; release: () => void } {
    this.udpLines ??= new UdpControlLines(this.link.remote.address, this.reply, this.link.encrypted);
    const opened = this.udpLines.open();
    this.begin();
    // Reading may have stopped for the DOWNLOAD_UDP command itself: the feedback must get in.
    this.link.resume();
    return {
      channel: opened.channel,
      release: () => {
        opened.release();
        if (!this.udpLines?.active) this.transferring = false;
      },
    };
  }

  /** Take `line` if it is a UDP transfer's control line; false for any other line. */
  takeControlLine(line: string): boolean {
    if (!this.udpLines?.deliver(line)) return false;
    this.activity();
    return true;
  }

  /** The connection is gone: an upload and a UDP transfer learn it first. */
  connectionLost(): void {
    this.rawIntake?.connectionLost();
    this.udpLines?.closed();
  }

  /** After the close: a download waiting for a drain that will never come ends as 'closed' and frees its slot and file. */
  wakeDownload(): void {
    this.rawDrain?.();
  }

  private begin(): void {
    this.transferring = true;
    this.activity();
  }
}
