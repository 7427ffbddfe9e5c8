// Dropped datagrams are logged, but a flood of them must not flood the log: the first drop of
// each reason is reported at once, later ones within the window are counted and reported
// together when the window ends (at the next `flush`).
import type { UdpRemote } from '../../runtime/types.ts';
import type { DropReason, UdpChatServerEvent } from './udp-server-events.ts';

interface Window {
  until: number;
  count: number;
  last: UdpRemote;
  detail: string | undefined;
}

export class DropReporter {
  private readonly windows = new Map<DropReason, Window>();

  constructor(
    private readonly emit: (event: Extract<UdpChatServerEvent, { type: 'drop' }>) => void,
    private readonly windowMs = 1000,
  ) {}

  report(reason: DropReason, remote: UdpRemote, now: number, detail?: string): void {
    const window = this.windows.get(reason);
    if (window && now < window.until) {
      window.count++;
      window.last = remote;
      window.detail = detail;
      return;
    }
    if (window && window.count > 0) this.summarise(reason, window);
    this.windows.set(reason, { until: now + this.windowMs, count: 0, last: remote, detail: undefined });
    this.emit({ type: 'drop', reason, remote, count: 1, ...(detail !== undefined && { detail }) });
  }

  /** Report the counts of windows that have ended. */
  flush(now: number): void {
    for (const [reason, window] of this.windows) {
      if (now < window.until) continue;
      if (window.count > 0) {
        this.summarise(reason, window);
        window.until = now + this.windowMs;
      } else {
        this.windows.delete(reason);
      }
    }
  }

  private summarise(reason: DropReason, window: Window): void {
    const { count, last, detail } = window;
    window.count = 0;
    this.emit({ type: 'drop', reason, remote: last, count, ...(detail !== undefined && { detail }) });
  }
}
