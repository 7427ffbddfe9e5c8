// `netchat send-file` in a real terminal: tmux runs it in a pane and reads the screen. The point:
// on a terminal the upload shows clack's bar on stderr with bytes, rate and time left, and the
// bar is gone when the verdict line comes; with stdout or stderr in a file, no cursor or escape
// code reaches the file (only plain progress lines do); data typed on stdin is not taken over by
// the bar; Ctrl+C leaves the terminal as it was.
//
// The upload goes through a proxy that passes what the client sends at a trickle until the test
// has seen what it waits for, then at full speed: the bar stays up exactly as long as needed.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_exit.ts';
import { CLI_RUNTIME, cliCommand, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closeTmux, HAS_TMUX, openShellPane, quote } from '../helpers/tmux-pane.ts';

/** Big enough that the socket buffers on the way hold only a part of it while the proxy trickles. */
const FILE_BYTES = 64 * 1024 * 1024;
/** What the proxy lets through before the test opens it: slow enough to watch, fast enough to move. */
const TRICKLE_BYTES_PER_SECOND = 4_000_000;
/** The bar's text: bytes of the total with the percentage, the rate, the time left. */
const BAR_TEXT = /upload\.bin {2}[\d.]+ [kMG]?B of 67\.1 MB \(\d+%\), [\d.]+ [kMG]?B\/s, [\dhmin s]+ left/;
/** A plain progress line (stderr not a terminal). */
const PLAIN_PROGRESS = /^upload\.bin: [\d.]+ [kMG]?B of 67\.1 MB \(\d+%\)(, [\d.]+ [kMG]?B\/s)?(, [\dhmin s]+ left)?$/;
const ESCAPE = '\u001b';

/**
 * A TCP proxy in front of the server. What the client sends goes on at TRICKLE_BYTES_PER_SECOND
 * until `open()`, then as fast as it comes; what the server sends goes back untouched.
 */
class TrickleProxy {
  private opened = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly paused = new Map<net.Socket, NodeJS.Timeout>();

  private constructor(private readonly server: net.Server) {}

  static async start(targetPort: number): Promise<TrickleProxy> {
    const proxy: TrickleProxy = new TrickleProxy(net.createServer({ allowHalfOpen: true }, (client) => proxy.carry(client, targetPort)));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  open(): void {
    this.opened = true;
    for (const [client, timer] of this.paused) {
      clearTimeout(timer);
      client.resume();
    }
    this.paused.clear();
  }

  close(): void {
    for (const timer of this.paused.values()) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }

  private carry(client: net.Socket, targetPort: number): void {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => this.sockets.delete(socket));
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => this.paused.has(client) || client.resume());
      }
      if (this.opened) return;
      // Hold the next read for as long as this chunk takes at the trickle rate.
      client.pause();
      this.paused.set(
        client,
        setTimeout(() => {
          this.paused.delete(client);
          client.resume();
        }, (chunk.length / TRICKLE_BYTES_PER_SECOND) * 1000),
      );
    });
    client.on('end', () => upstream.end());
  }
}

/** A shell command line in a fresh pane, run in `dir`; an upload may take up to 20 s. */
function openPane(shellLine: string, dir: string) {
  const pane = openShellPane(shellLine, dir, { cwd: dir, timeoutMs: 20_000 });
  return { ...pane, waitForScreen: pane.waitFor, waitFor: pane.until };
}

const title = HAS_TMUX ? `netchat send-file in a terminal [${CLI_RUNTIME}]` : `netchat send-file in a terminal (skipped: tmux is not installed)`;

describe.skipIf(!HAS_TMUX)(title, () => {
  let dir: string;
  let shared: string;
  let file: string;
  let sha256: string;
  let server: CliProcess;
  let serverPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-send-tty-'));
    shared = path.join(dir, 'shared');
    file = path.join(dir, 'upload.bin');
    const bytes = randomBytes(FILE_BYTES);
    writeFileSync(file, bytes);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', shared]);
    const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
    serverPort = Number(port);
  });
  afterAll(async () => {
    closeTmux();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `netchat send-file upload.bin` through a fresh trickle proxy, with `redirect` appended to the line. */
  async function sendInPane(redirect = '') {
    const proxy = await TrickleProxy.start(serverPort);
    const [command, prefix] = cliCommand();
    const line = ['env', '-u', 'CI', 'DENO_NO_UPDATE_CHECK=1', command, ...prefix, 'send-file', file, '127.0.0.1', String(proxy.port)].map(quote).join(' ');
    return { proxy, pane: openPane(`${line}${redirect}`, dir) };
  }

  /** The shared folder's visible files (uploads in progress are hidden). */
  const visibleShared = () => readdirSync(shared).filter((name) => !name.startsWith('.'));
  const removeStored = () => {
    for (const name of visibleShared()) rmSync(path.join(shared, name));
  };
  const verdict = () => new RegExp(`upload\\.bin\\s+upload\\.bin\\s+${FILE_BYTES}\\s+${sha256}`);

  it('shows the bar with bytes, rate and time left on a terminal, then only the verdict line', async () => {
    const { proxy, pane } = await sendInPane();
    try {
      await pane.waitForScreen((lines) => lines.some((l) => BAR_TEXT.test(l)), 'the bar with bytes, rate and time left');
      proxy.open();
      expect(await pane.exitCode()).toBe(EXIT.OK);
      // The bar cleared itself without a trace: the verdict is all that is left on the screen.
      const shown = pane.screen().filter((l) => l !== '');
      expect(shown).toHaveLength(1);
      expect(shown[0]).toMatch(verdict());
      expect(pane.cursorVisible()).toBe(true);
      expect(visibleShared()).toEqual(['upload.bin']);
      expect(createHash('sha256').update(readFileSync(path.join(shared, 'upload.bin'))).digest('hex')).toBe(sha256);
    } finally {
      proxy.close();
      removeStored();
    }
  });

  it('with stdout in a file: the bar stays on the terminal (stderr) and the file holds the verdict alone', async () => {
    const out = path.join(dir, 'stdout.txt');
    const { proxy, pane } = await sendInPane(` > ${quote(out)}`);
    try {
      await pane.waitForScreen((lines) => lines.some((l) => BAR_TEXT.test(l)), 'the bar on the terminal');
      proxy.open();
      expect(await pane.exitCode()).toBe(EXIT.OK);
      const written = readFileSync(out, 'utf8');
      expect(written).not.toContain(ESCAPE);
      expect(written).toBe(`${file}\tupload.bin\t${FILE_BYTES}\t${sha256}\n`);
      expect(pane.screen().filter((l) => l !== '')).toEqual([]);
    } finally {
      proxy.close();
      removeStored();
    }
  });

  it('with stderr in a file: no bar, and the file holds plain progress lines only', async () => {
    const err = path.join(dir, 'stderr.txt');
    const { proxy, pane } = await sendInPane(` 2> ${quote(err)}`);
    try {
      // A plain line comes only after a while (every 2 s): the proxy trickles until the first one.
      await pane.waitFor(() => (existsSync(err) && /upload\.bin: .* of /.test(readFileSync(err, 'utf8')) ? true : undefined), 'a progress line in the file');
      expect(pane.screen().some((l) => BAR_TEXT.test(l))).toBe(false);
      proxy.open();
      expect(await pane.exitCode()).toBe(EXIT.OK);
      const written = readFileSync(err, 'utf8');
      expect(written).not.toContain(ESCAPE);
      expect(written).not.toContain('\r');
      const lines = written.split('\n').filter((l) => l !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(PLAIN_PROGRESS);
      const shown = pane.screen().filter((l) => l !== '');
      expect(shown).toHaveLength(1);
      expect(shown[0]).toMatch(verdict());
    } finally {
      proxy.close();
      removeStored();
    }
  });

  it('stdin (-) typed on a terminal gets plain progress, not the bar: Enter and Ctrl+D work as typed', async () => {
    const [command, prefix] = cliCommand();
    const line = ['env', '-u', 'CI', 'DENO_NO_UPDATE_CHECK=1', command, ...prefix, 'send-file', '-', '127.0.0.1', String(serverPort), '--name', 'typed.txt'];
    const pane = openPane(line.map(quote).join(' '), dir);
    try {
      // The server holds a partial upload once send-file has connected: from then on it reads stdin.
      await pane.waitFor(() => (readdirSync(shared).some((name) => name.endsWith('.part')) ? true : undefined), 'the upload under way');
      pane.type('hello there');
      pane.key('Enter');
      pane.type('second line');
      pane.key('Enter');
      pane.key('C-d');
      expect(await pane.exitCode()).toBe(EXIT.OK);
      const typed = 'hello there\nsecond line\n';
      expect(readFileSync(path.join(shared, 'typed.txt'), 'utf8')).toBe(typed);
      const digest = createHash('sha256').update(typed).digest('hex');
      expect(pane.screen().join('\n')).toMatch(new RegExp(`^-\\s+typed\\.txt\\s+${typed.length}\\s+${digest}$`, 'm'));
    } finally {
      removeStored();
    }
  });

  it('Ctrl+C during the bar exits 130, shows the cursor again and leaves nothing on the server', async () => {
    const { proxy, pane } = await sendInPane();
    try {
      await pane.waitForScreen((lines) => lines.some((l) => BAR_TEXT.test(l)), 'the bar');
      pane.key('C-c');
      expect(await pane.exitCode()).toBe(EXIT.INTERRUPTED);
      expect(pane.screen().some((l) => BAR_TEXT.test(l))).toBe(false);
      expect(pane.cursorVisible()).toBe(true);
      expect(visibleShared()).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});
