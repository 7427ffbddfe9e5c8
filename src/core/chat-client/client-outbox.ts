// The chat client's outgoing lines: a queue drained as fast as the pacer allows. Lines leave in
// order, several at once in one corked write when the bucket has tokens; otherwise one timer
// waits for the next token. Only replies that must not wait (PONG) go around the queue.
import type { TcpConnection } from '../../runtime/types.ts';
import { ClientPacer, type PacerMargin, type ServerFloodLimits } from './client-pacer.ts';
import type { Clock } from '../shared/clock.ts';

interface Outgoing {
  line: string;
  /** Called right after the line is written. */
  onSent?: () => void;
}

export class ClientOutbox {
  private readonly pacer: ClientPacer;
  private queue: Outgoing[] = [];
  private timer: unknown;
  private waiting = false;
  private stopped = false;

  constructor(
    private readonly connection: TcpConnection,
    private readonly clock: Clock,
    /** The server's flood limits until it tells its own. */
    assumed: ServerFloodLimits,
    margin: PacerMargin | undefined,
    /** The queue became empty after writing. */
    private readonly onDrain: () => void,
  ) {
    this.pacer = new ClientPacer(assumed, () => clock.now(), margin);
  }

  /** Lines waiting for the pacer. */
  get length(): number {
    return this.queue.length;
  }

  configure(limits: ServerFloodLimits): void {
    this.pacer.configure(limits);
    if (this.waiting) {
      this.clock.clearTimeout(this.timer);
      this.waiting = false;
    }
    this.pump();
  }

  push(line: string, onSent?: () => void): void {
    if (this.stopped) return;
    this.queue.push({ line, onSent });
    this.pump();
  }

  /** Write now, ahead of the queue; the line still spends a token. */
  urgent(line: string): void {
    if (this.stopped) return;
    this.pacer.charge();
    this.connection.write(`${line}\n`);
  }

  /** Drop every line not yet written. */
  clear(): void {
    this.queue = [];
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    if (this.waiting) this.clock.clearTimeout(this.timer);
    this.waiting = false;
  }

  private pump(): void {
    if (this.waiting || this.stopped) return;
    let wrote = false;
    while (this.queue.length > 0) {
      if (!this.pacer.tryTake()) {
        this.waiting = true;
        this.timer = this.clock.setTimeout(() => {
          this.waiting = false;
          this.pump();
        }, this.pacer.delay());
        break;
      }
      const item = this.queue.shift()!;
      if (!wrote) this.connection.cork();
      wrote = true;
      this.connection.write(`${item.line}\n`);
      item.onSent?.();
    }
    if (wrote) this.connection.uncork();
    if (wrote && this.queue.length === 0) this.onDrain();
  }
}
