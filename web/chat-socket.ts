// The chat WebSocket: one text message per protocol line, both ways. When it drops (a server
// restart, a network change) it connects again with a growing delay, and the page joins again
// under the same name and rejoins its groups.
export interface ChatSocketEvents {
  open(): void;
  line(text: string): void;
  /** `willRetry`: a new attempt is scheduled (in `delayMs`). */
  closed(willRetry: boolean, delayMs: number): void;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

export class ChatSocket {
  private socket: WebSocket | undefined;
  private delay = FIRST_DELAY_MS;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly events: ChatSocketEvents,
  ) {}

  connect(): void {
    this.stopped = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.delay = FIRST_DELAY_MS;
      this.events.open();
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.events.line(event.data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      const retry = !this.stopped;
      this.events.closed(retry, this.delay);
      if (retry) {
        this.timer = setTimeout(() => this.connect(), this.delay);
        this.delay = Math.min(MAX_DELAY_MS, this.delay * 2);
      }
    });
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(line: string): boolean {
    if (!this.open) return false;
    this.socket!.send(line);
    return true;
  }

  /** Stop for good (QUIT or a refusal that retrying cannot fix). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
  }
}
