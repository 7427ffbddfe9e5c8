// A raw TCP test peer that reads lines: what `nc` would see. Waits on events, never sleeps.
import net from 'node:net';

export class LineClient {
  readonly lines: string[] = [];
  closed = false;
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let lf: number;
      while ((lf = this.buffer.indexOf('\n')) !== -1) {
        this.lines.push(this.buffer.slice(0, lf).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(lf + 1);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  sendLine(line: string): void {
    this.socket.write(`${line}\n`);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolve with the first line (from index `from`) that matches; reject on close or timeout. */
  waitForLine(match: string | RegExp | ((line: string) => boolean), { from = 0, timeoutMs = 5000 } = {}): Promise<string> {
    const test =
      typeof match === 'string'
        ? (line: string) => line === match
        : match instanceof RegExp
          ? (line: string) => match.test(line)
          : match;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(match)}; got:\n${this.lines.join('\n')}`)), timeoutMs);
      const check = () => {
        const found = this.lines.slice(from).find(test);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (this.closed) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${String(match)}; got:\n${this.lines.join('\n')}`));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** Resolve when the server closes the connection. */
  waitForClose(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
      const check = () => {
        if (this.closed) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
