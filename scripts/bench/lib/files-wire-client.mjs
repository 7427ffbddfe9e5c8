// A bare client of netchat's shared files, as an `nc` or Python user would speak it: lines, and
// after a FILE_START_TCP header exactly the promised raw bytes. It lists folders page by page and
// downloads on the chat connection (DOWNLOAD_TCP), with nothing of netchat's own client code, so
// what it measures is the server. It reads into one reused buffer of socat's size, as socat
// does, rather than a fresh 64 KiB buffer per read: the client must cost next to nothing.
import net from 'node:net';

const LF = 0x0a;
const READ_BUFFER_BYTES = 128 * 1024;
const FILE_START = /^FILE_START_TCP (\d+) ([0-9a-f]{64}) (\d+) (.+)$/;
const FILES_SUMMARY = /^\[Files\] (\d+) files?, (\d+) in total\.(?: More: LIST_FILES AFTER (.+))?$/;

export class FilesWireClient {
  #socket;
  #pending = Buffer.alloc(0);
  #lines = [];
  #wake = undefined;
  #closed = false;
  #failure = undefined;
  /** While bytes after a FILE_START_TCP header are due: where they go and how many are left. */
  #download = undefined;

  /** Connect to 127.0.0.1:`port` and read the greeting. */
  static async connect(port, timeoutMs = 15_000) {
    let client;
    const socket = net.connect({
      host: '127.0.0.1',
      port,
      // The buffer is reused: #onData copies whatever it keeps, and downloads hand chunks on synchronously.
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (length, buffer) => client.#onData(buffer.subarray(0, length)) },
    });
    socket.setNoDelay(true);
    client = new FilesWireClient(socket);
    await client.nextLine(timeoutMs);
    return client;
  }

  constructor(socket) {
    this.#socket = socket;
    socket.on('error', (error) => (this.#failure ??= error));
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  sendLine(line) {
    this.#socket.write(`${line}\n`);
  }

  /** The next line from the server. */
  async nextLine(timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#closed) throw new Error(`the server closed the connection${this.#failure ? `: ${this.#failure.message}` : ''}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from the server in ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
    return this.#lines.shift();
  }

  /** Lines until one matches `pattern` (others, such as chat from other users, are skipped); an ERROR line throws. */
  async waitFor(pattern, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.nextLine(Math.max(1, deadline - Date.now()));
      if (line.startsWith('ERROR ')) throw new Error(line);
      const match = pattern.exec(line);
      if (match) return match;
    }
  }

  async join(name) {
    this.sendLine(`JOIN ${name}`);
    await this.waitFor(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  }

  /** One LIST_FILES page: how many `[File]` lines, the total, and where the next page starts. */
  async listPage(after, timeoutMs = 60_000) {
    this.sendLine(after === undefined ? 'LIST_FILES' : `LIST_FILES AFTER ${after}`);
    const deadline = Date.now() + timeoutMs;
    let files = 0;
    let lastName;
    for (;;) {
      const line = await this.nextLine(Math.max(1, deadline - Date.now()));
      if (line.startsWith('ERROR ')) throw new Error(line);
      if (line.startsWith('[File] ')) {
        files++;
        lastName = line.split(' ').slice(3).join(' ');
        continue;
      }
      const summary = FILES_SUMMARY.exec(line);
      if (summary) return { files, total: Number(summary[2]), next: summary[3], lastName };
    }
  }

  /**
   * `DOWNLOAD_TCP <name> [offset]` on this connection; every byte after the header goes to
   * `onBytes(chunk)` (synchronously, as socat writes). Resolves with the header once the last
   * promised byte is in.
   */
  download(name, offset, onBytes, timeoutMs = 600_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`download of ${name} not done in ${timeoutMs} ms`)), timeoutMs);
      this.#download = {
        onBytes,
        remaining: undefined,
        done: (header) => {
          clearTimeout(timer);
          resolve(header);
        },
        refused: (line) => {
          clearTimeout(timer);
          reject(new Error(`DOWNLOAD_TCP ${name}: ${line}`));
        },
      };
      this.sendLine(offset ? `DOWNLOAD_TCP ${name} ${offset}` : `DOWNLOAD_TCP ${name}`);
      this.#socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`the server closed the connection during the download of ${name}`));
      });
    });
  }

  close() {
    this.#socket.destroy();
  }

  #onData(chunk) {
    let bytes = chunk;
    for (;;) {
      const download = this.#download;
      if (download?.remaining !== undefined) {
        const take = Math.min(download.remaining, bytes.length);
        if (take > 0) download.onBytes(bytes.subarray(0, take));
        download.remaining -= take;
        bytes = bytes.subarray(take);
        if (download.remaining > 0) return;
        this.#download = undefined;
        download.done(download.header);
      }
      this.#pending = this.#pending.length ? Buffer.concat([this.#pending, bytes]) : Buffer.from(bytes);
      bytes = Buffer.alloc(0);
      let newline;
      let switchedToBytes = false;
      while ((newline = this.#pending.indexOf(LF)) !== -1) {
        const line = this.#pending.toString('utf8', 0, newline).replace(/\r$/, '');
        this.#pending = this.#pending.subarray(newline + 1);
        const header = this.#download && FILE_START.exec(line);
        if (header) {
          // The bytes start right after this LF: stop reading lines here.
          const [, size, sha256, offset, name] = header;
          this.#download.header = { size: Number(size), sha256, offset: Number(offset), name };
          this.#download.remaining = Number(size) - Number(offset);
          bytes = this.#pending;
          this.#pending = Buffer.alloc(0);
          switchedToBytes = true;
          break;
        }
        if (this.#download && line.startsWith('ERROR ')) {
          const { refused } = this.#download;
          this.#download = undefined;
          refused(line);
          continue;
        }
        this.#lines.push(line);
      }
      this.#wake?.();
      if (!switchedToBytes) return;
    }
  }
}
