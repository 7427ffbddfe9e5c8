// The chat client's outgoing lines: a queue drained as fast as the pacer allows. Lines leave in
// order, several at once in one write when the bucket has tokens; otherwise one timer waits
// for the next token. Only replies that must not wait (PONG) go around the queue.
import { encodeLines, type LineLink } from '../links/line-link.ts';
import { ClientPacer, type PacerMargin, type ServerFloodLimits } from './client-pacer.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * Longer delays overflow the timers of Node, Bun and Deno, which then fire at once; the pacer
 * never asks for one (the server's rate is clamped), and a capped wait only re-checks early.
 */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

interface Outgoing {
  line: string;
  /** Called once the line is written (with any others that left in the same write). */
  onSent?: () => void;
}

export class ClientOutbox {
  private readonly pacer: ClientPacer;
  private queue: Outgoing[] = [];
  private timer: unknown;
  private waiting = false;
  private stopped = false;

  constructor(
    private readonly link: LineLink,
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
    this.link.writeLine(line);
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
    const leaving: Outgoing[] = [];
    while (this.queue.length > 0) {
      if (!this.pacer.tryTake()) {
        this.waiting = true;
        this.timer = this.clock.setTimeout(() => {
          this.waiting = false;
          this.pump();
        }, Math.min(this.pacer.delay(), MAX_TIMER_DELAY_MS));
        break;
      }
      leaving.push(this.queue.shift()!);
    }
    if (leaving.length === 0) return;
    this.link.write(encodeLines(leaving.map((item) => item.line)));
    for (const item of leaving) item.onSent?.();
    if (this.queue.length === 0) this.onDrain();
  }
}
