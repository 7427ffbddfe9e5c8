// A chat connection as the control channel of UDP transfers: the receiver's UDP_ACK/UDP_DONE/
// UDP_ERROR lines reach the transfers, never the command table. They arrive about every 5 ms, so
// they skip flood control (it is for chat lines); they are accepted only while a transfer on
// this connection runs, and count as its activity.
import { isControlLine } from '../../protocol/udp-transfer/control-lines.ts';
import type { ControlChannel } from '../udp-transfer/transfer-io.ts';

export class UdpControlLines {
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly closeListeners = new Set<() => void>();
  private users = 0;

  constructor(
    private readonly remoteAddress: string,
    private readonly sendLine: (line: string) => void,
    /** The connection runs inside TLS (a sealed transfer's key may go on it). */
    private readonly encrypted = false,
  ) {}

  /** Whether a transfer uses the connection now. */
  get active(): boolean {
    return this.users > 0;
  }

  /** A channel for one transfer; `release` when it ends. */
  open(): { channel: ControlChannel; release: () => void } {
    this.users++;
    let released = false;
    const channel: ControlChannel = {
      remoteAddress: this.remoteAddress,
      encrypted: this.encrypted,
      sendLine: this.sendLine,
      onLine: (listener) => {
        this.lineListeners.add(listener);
        return () => this.lineListeners.delete(listener);
      },
      onClose: (listener) => {
        this.closeListeners.add(listener);
        return () => this.closeListeners.delete(listener);
      },
    };
    const release = () => {
      if (released) return;
      released = true;
      this.users--;
    };
    return { channel, release };
  }

  /** Hand a received line to the transfers when it is theirs; false when it is a chat line. */
  deliver(line: string): boolean {
    if (this.users === 0 || !isControlLine(line)) return false;
    for (const listener of [...this.lineListeners]) listener(line);
    return true;
  }

  closed(): void {
    for (const listener of [...this.closeListeners]) listener();
    this.closeListeners.clear();
    this.lineListeners.clear();
  }
}
