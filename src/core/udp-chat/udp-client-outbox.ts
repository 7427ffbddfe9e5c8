// The UDP chat client's outgoing datagrams: messages wait in a queue drained as fast as the
// pacer allows, so the client stays under the server's per-address rate limit (which drops
// what is over it). Control datagrams (join, code, ping, quit) go around the queue, and are
// charged to the pacer all the same, because the server counts them too.
import type { UdpSocket } from '../../runtime/types.ts';
import { ClientPacer, type PacerMargin, type ServerFloodLimits } from '../chat-client/client-pacer.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import { isPortUnreachable, sendDatagram } from './send-datagram.ts';

export class UdpClientOutbox {
  private readonly pacer: ClientPacer;
  private queue: string[] = [];
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** When anything was last sent: the client pings only after a quiet spell. */
  lastSentAt: number;

  constructor(
    private readonly socket: UdpSocket,
    private readonly target: { host: string; port: number },
    private readonly clock: Clock,
    assumed: ServerFloodLimits,
    margin: PacerMargin | undefined,
    /** The queue became empty after sending. */
    private readonly onDrain: () => void,
    private readonly onSendError: (error: Error) => void,
  ) {
    this.pacer = new ClientPacer(assumed, () => clock.now(), margin);
    this.lastSentAt = clock.now();
  }

  get length(): number {
    return this.queue.length;
  }

  configure(limits: ServerFloodLimits): void {
    this.pacer.configure(limits);
    this.rearm();
  }

  push(text: string): void {
    if (this.stopped) return;
    this.queue.push(text);
    this.pump();
  }

  /** Send now, ahead of the queue; it still spends a token. */
  urgent(text: string): void {
    if (this.stopped) return;
    this.pacer.charge();
    this.transmit(text);
  }

  clear(): void {
    this.queue = [];
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  private pump(): void {
    if (this.timer !== undefined || this.stopped) return;
    let sent = false;
    while (this.queue.length > 0) {
      if (!this.pacer.tryTake()) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.pacer.delay());
        break;
      }
      this.transmit(this.queue.shift()!);
      sent = true;
    }
    if (sent && this.queue.length === 0) this.onDrain();
  }

  private transmit(text: string): void {
    this.lastSentAt = this.clock.now();
    sendDatagram(this.socket, text, this.target.port, this.target.host).catch((error: Error) => {
      // The server's port is closed, for now (only Bun says so): like a datagram lost on the way,
      // it is not the end. Silence past server-timeout decides, the same on every runtime.
      if (!this.stopped && !isPortUnreachable(error)) this.onSendError(error);
    });
  }
}
