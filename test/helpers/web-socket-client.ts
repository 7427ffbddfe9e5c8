// A chat client over the web client's WebSocket, as a test peer: lines in, lines out, one text
// message per line, waited on by content (never by time).
import WebSocket from 'ws';

export class WebSocketLineClient {
  readonly lines: string[] = [];
  closeCode: number | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, binary) => {
      if (!binary) this.lines.push(String(data));
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<WebSocketLineClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => resolve(new WebSocketLineClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode })));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** The first line matching, among those from index `from` on. */
  waitForLine(match: string | RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const test = (line: string) => (typeof match === 'string' ? line === match : match.test(line));
    return this.waitFor(() => this.lines.slice(from).find(test), `a line matching ${match}`, timeoutMs);
  }

  waitForClose(timeoutMs = 10_000): Promise<number> {
    return this.waitFor(() => this.closeCode, 'the close', timeoutMs);
  }

  close(): void {
    this.socket.close();
  }

  private waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
