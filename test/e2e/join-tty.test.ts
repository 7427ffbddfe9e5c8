// `netchat join` in a real terminal: tmux runs it in a pane, types into it and reads the screen.
// The point: a message arriving while the user types appears on its own line, and the partly
// typed input is still there, intact, after the prompt.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closeTmux, HAS_TMUX, openPane, tmux } from '../helpers/tmux-pane.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startHostileServer } from '../core/chat-client/hostile-chat-server.ts';

const lastLine = (lines: string[]) => lines.filter((l) => l !== '').at(-1) ?? '';
/** Whether some line on the screen contains `text`. */
const shows = (lines: string[], text: string) => lines.some((l) => l.includes(text));
/** `[14:02] ` and the like: the default timestamp. */
const STAMP = /^\[\d\d:\d\d\] /;

/** The name prompt offers the login name; erase it to type another. */
function clearOfferedName(pane: { key(key: string): void }): void {
  const offered = Math.max(os.userInfo().username.length, (process.env.USER ?? process.env.LOGNAME ?? '').length);
  for (let i = 0; i < offered; i++) pane.key('BSpace');
}

async function peer(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

async function startServer(): Promise<{ server: CliProcess; port: number }> {
  const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0']);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

const title = HAS_TMUX ? `netchat join in a terminal [${CLI_RUNTIME}]` : `netchat join in a terminal (skipped: tmux is not installed)`;

describe.skipIf(!HAS_TMUX)(title, () => {
  let dir: string;
  let server: CliProcess;
  let port: number;
  const peers: LineClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-tty-'));
    ({ server, port } = await startServer());
  });
  afterAll(async () => {
    for (const client of peers) client.close();
    closeTmux();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows an incoming message above the prompt and keeps the partly typed line intact', async () => {
    const pane = openPane(['join', 'alice', '127.0.0.1', String(port)], dir);
    await pane.waitFor((lines) => lastLine(lines) === 'alice>', 'the prompt');
    const bob = await peer(port, 'bob');
    peers.push(bob);
    pane.type('hello wor');
    await pane.waitFor((lines) => lastLine(lines) === 'alice> hello wor', 'the typed text');

    bob.sendLine('BROADCAST message from bob');
    const lines = await pane.waitFor(
      (l) => shows(l, 'bob: message from bob') && lastLine(l) === 'alice> hello wor',
      'the message above the intact input',
    );
    expect(lines.filter((l) => l.includes('hello wor'))).toEqual(['alice> hello wor']);
    // Each message after the time it arrived.
    expect(lines.find((l) => l.includes('bob: message from bob'))).toMatch(STAMP);

    // A partial line longer than the terminal is wide wraps; it must survive just the same.
    const long = 'x'.repeat(150);
    pane.type(`ld ${long}`);
    await pane.waitFor((l) => lastLine(l) === `alice> hello world ${long}`, 'the wrapped input');
    bob.sendLine('BROADCAST second message');
    await pane.waitFor(
      (l) => shows(l, 'bob: second message') && lastLine(l) === `alice> hello world ${long}`,
      'the second message above the wrapped input',
    );

    pane.key('Enter');
    await bob.waitForLine(`[Broadcast] alice: hello world ${long}`);
    // What was typed is shown as what was said, the raw input line gone.
    const said = await pane.waitFor((l) => shows(l, `alice: hello world ${long}`) && lastLine(l) === 'alice>', 'our own message');
    expect(said.filter((l) => l.includes('hello world'))).toHaveLength(1);

    // The cursor stays where it was inside the line, not just the text.
    pane.type('abcdef');
    for (let i = 0; i < 3; i++) pane.key('Left');
    bob.sendLine('BROADCAST third message');
    await pane.waitFor((l) => shows(l, 'bob: third message') && lastLine(l) === 'alice> abcdef', 'the third message');
    pane.type('X');
    await pane.waitFor((l) => lastLine(l) === 'alice> abcXdef', 'the insertion at the cursor');
    pane.key('Enter');
    await bob.waitForLine('[Broadcast] alice: abcXdef');
    pane.type('/quit see you tomorrow');
    pane.key('Enter');
    expect(await pane.exitCode()).toBe(EXIT.OK);
    await bob.waitForLine('[Server] alice has left the chat (quit: see you tomorrow).');
  });

  it('asks for missing values, and Ctrl+C leaves cleanly with exit 130', async () => {
    const watcher = await peer(port, 'watch2');
    peers.push(watcher);
    // NAME left empty: asked, with the login name offered; host and port have defaults, never asked.
    const pane = openPane(['join', '', `127.0.0.1:${port}`], dir);
    await pane.waitFor((l) => l.some((line) => line.includes('Your name')), 'the name prompt');
    clearOfferedName(pane);
    pane.type('carol');
    pane.key('Enter');
    await pane.waitFor((lines) => lastLine(lines) === 'carol>', 'the prompt');
    pane.type('unsent');
    await pane.waitFor((lines) => lastLine(lines) === 'carol> unsent', 'the typed text');
    // The first Ctrl+C clears what is typed; the second leaves.
    pane.key('C-c');
    await pane.waitFor((lines) => lastLine(lines) === 'carol>' && !shows(lines, 'unsent'), 'the cleared line');
    pane.key('C-c');
    expect(await pane.exitCode()).toBe(EXIT.INTERRUPTED);
    await watcher.waitForLine(/^\[Server\] carol has left the chat/);
    expect(watcher.lines.some((l) => l.includes('unsent'))).toBe(false);
  });

  it('exits 130 on Ctrl+C while it connects, though the spinner takes the key itself', async () => {
    // A server that lets the connection in and never says a word.
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      const pane = openPane(['join', 'spin', '127.0.0.1', String(silentPort)], dir);
      await pane.waitFor((l) => shows(l, `Connecting to 127.0.0.1:${silentPort}`), 'the spinner');
      pane.key('C-c');
      expect(await pane.exitCode()).toBe(EXIT.INTERRUPTED);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('asks for another name when the server refuses one; Ctrl+D leaves with exit 0', async () => {
    const holder = await peer(port, 'dave');
    peers.push(holder);
    const pane = openPane(['join', 'dave', '127.0.0.1', String(port)], dir);
    await pane.waitFor((l) => l.some((line) => line.includes('Another name')), 'the second name prompt');
    expect(pane.screen().join('\n')).toContain('NAME_TAKEN');
    pane.type('dave2');
    pane.key('Enter');
    await pane.waitFor((lines) => lastLine(lines) === 'dave2>', 'the prompt');
    pane.key('C-d');
    expect(await pane.exitCode()).toBe(EXIT.OK);
    // No prompt is left behind on the screen.
    expect(pane.screen().some((l) => l.startsWith('dave2>'))).toBe(false);
    await holder.waitForLine(/^\[Server\] dave2 has left the chat/);
  });

  it('leaves the name length to the server: a 40-letter name joins one with --max-name-length 64', async () => {
    const own = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--max-name-length', '64']);
    try {
      const [, ownPort] = await own.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
      const pane = openPane(['join', '', '127.0.0.1', ownPort!], dir);
      await pane.waitFor((l) => l.some((line) => line.includes('Your name')), 'the name prompt');
      clearOfferedName(pane);
      // Characters are checked at once, before anything is sent.
      pane.type('no spaces');
      pane.key('Enter');
      await pane.waitFor((l) => l.some((line) => line.includes('A–Z a–z 0–9 _ . -')), 'the character rule');
      for (let i = 0; i < 'no spaces'.length; i++) pane.key('BSpace');
      const long = 'n'.repeat(40);
      pane.type(long);
      pane.key('Enter');
      await pane.waitFor((lines) => lastLine(lines) === `${long}>`, 'the prompt of the joined user');
      pane.key('C-d');
      expect(await pane.exitCode()).toBe(EXIT.OK);
    } finally {
      own.child.kill('SIGKILL');
      await own.exited;
    }
  });

  it('with --no-reconnect, says once that the server shut down and exits 5', async () => {
    const own = await startServer();
    try {
      const pane = openPane(['join', 'erin', '127.0.0.1', String(own.port), '--no-reconnect'], dir);
      await pane.waitFor((lines) => lastLine(lines) === 'erin>', 'the prompt');
      pane.type('half typed');
      own.server.child.kill('SIGTERM');
      expect(await pane.exitCode()).toBe(EXIT.SERVER_CLOSED);
      expect(pane.screen().filter((l) => /shutting down/i.test(l))).toHaveLength(1);
    } finally {
      own.server.child.kill('SIGKILL');
      await own.server.exited;
    }
  });

  it('completes commands and names with Tab, and /query sends plain text to one user', async () => {
    const pane = openPane(['join', 'gina', '127.0.0.1', String(port)], dir);
    await pane.waitFor((lines) => lastLine(lines) === 'gina>', 'the prompt');
    const hal = await peer(port, 'hal');
    peers.push(hal);
    hal.sendLine('JOIN_GROUP devs');
    await pane.waitFor((l) => shows(l, 'hal joined the chat'), 'the peer joining');
    pane.type('/he');
    pane.key('Tab');
    await pane.waitFor((l) => lastLine(l) === 'gina> /help', 'the completed command');
    pane.key('C-c');
    pane.type('/msg h');
    pane.key('Tab');
    await pane.waitFor((l) => lastLine(l) === 'gina> /msg hal', 'the completed user name');
    pane.type('hi there');
    pane.key('Enter');
    await hal.waitForLine('[Private] gina: hi there');
    await pane.waitFor((l) => shows(l, '→ hal: hi there') && !shows(l, '/msg'), 'our own private message');
    // Group names are learned from the listing.
    pane.type('/groups');
    pane.key('Enter');
    await pane.waitFor((l) => shows(l, 'devs (1)'), 'the group listing');
    pane.type('/join d');
    pane.key('Tab');
    await pane.waitFor((l) => lastLine(l) === 'gina> /join devs', 'the completed group name');
    pane.key('Enter');
    await pane.waitFor((l) => shows(l, 'you joined group devs'), 'the group joined');
    pane.type('/switch devs');
    pane.key('Enter');
    await pane.waitFor((l) => lastLine(l) === 'gina[devs]>', 'the group in the prompt');
    pane.type('to the group');
    pane.key('Enter');
    await hal.waitForLine('[Group devs] gina: to the group');
    await pane.waitFor((l) => shows(l, '[devs] you: to the group'), 'our own group message');
    pane.type('/query hal');
    pane.key('Enter');
    await pane.waitFor((l) => lastLine(l) === 'gina→hal>', 'the user in the prompt');
    pane.type('just for you');
    pane.key('Enter');
    await hal.waitForLine('[Private] gina: just for you');
    pane.type('/query');
    pane.key('Enter');
    await pane.waitFor((l) => lastLine(l) === 'gina>', 'the prompt back to everyone');
    pane.type('for all');
    pane.key('Enter');
    await hal.waitForLine('[Broadcast] gina: for all');
    pane.key('C-d');
    expect(await pane.exitCode()).toBe(EXIT.OK);
  });

  it('redraws at the new width when the window is resized, losing no message and leaving no stale prompt', async () => {
    const pane = openPane(['join', 'ivan', '127.0.0.1', String(port)], dir);
    await pane.waitFor((lines) => lastLine(lines) === 'ivan>', 'the prompt');
    const jo = await peer(port, 'jo');
    peers.push(jo);
    jo.sendLine('BROADCAST keep me on screen');
    await pane.waitFor((l) => shows(l, 'jo: keep me on screen'), 'the message');
    // Long enough to wrap at every width used here.
    const draft = `draft ${'d'.repeat(200)}`;
    pane.type(draft);
    await pane.waitFor((l) => l.join('').includes(`ivan> ${draft}`), 'the wrapped draft');
    for (const width of [200, 60, 120]) {
      tmux('resize-window', '-t', pane.name, '-x', String(width));
      const lines = await pane.waitFor(
        (l) => shows(l, 'jo: keep me on screen') && l.join('').includes(`ivan> ${draft}`) && l.filter((line) => line.includes('ivan>')).length === 1,
        `the message and one intact prompt at width ${width}`,
      );
      expect(lines.filter((l) => l.includes('keep me on screen'))).toHaveLength(1);
    }
    pane.key('C-c');
    pane.key('C-c');
    expect(await pane.exitCode()).toBe(EXIT.INTERRUPTED);
  });

  it('asks before sending a paste of many lines, the last one without its newline included', async () => {
    const pane = openPane(['join', 'kim', '127.0.0.1', String(port)], dir);
    await pane.waitFor((lines) => lastLine(lines) === 'kim>', 'the prompt');
    const lee = await peer(port, 'lee');
    peers.push(lee);
    // As copied from a page: no newline after the last line, which stays on the input line.
    tmux('set-buffer', '-b', 'paste', 'line 1\nline 2\nline 3\nline 4\nline 5');
    tmux('paste-buffer', '-b', 'paste', '-t', pane.name);
    await pane.waitFor((l) => shows(l, '5 lines pasted: send them all?') && lastLine(l) === 'send 5 lines? (y/n)', 'the question');
    expect(lee.lines.some((l) => l.includes('line 1'))).toBe(false);
    pane.type('y');
    pane.key('Enter');
    for (let i = 1; i <= 5; i++) await lee.waitForLine(`[Broadcast] kim: line ${i}`);
    pane.key('C-d');
    expect(await pane.exitCode()).toBe(EXIT.OK);
  });

  it('reconnects when the server restarts: shows it, keeps the typed text, rejoins its group', async () => {
    const first = await startServer();
    let second: CliProcess | undefined;
    try {
      const pane = openPane(['join', 'mo', '127.0.0.1', String(first.port)], dir);
      await pane.waitFor((lines) => lastLine(lines) === 'mo>', 'the prompt');
      pane.type('/join crew');
      pane.key('Enter');
      await pane.waitFor((l) => shows(l, 'you joined group crew'), 'the group joined');
      pane.type('/switch crew');
      pane.key('Enter');
      await pane.waitFor((l) => lastLine(l) === 'mo[crew]>', 'the group as target');
      pane.type('typed meanwhile');
      first.server.child.kill('SIGTERM');
      await first.server.exited;
      const away = await pane.waitFor(
        (l) => lastLine(l) === '(reconnecting) mo[crew]> typed meanwhile' && shows(l, 'trying again in'),
        'the reconnecting status with the typed text kept',
      );
      expect(away.filter((l) => /shutting down/i.test(l))).toHaveLength(1);
      // Its colours are its own, not server text made safe.
      expect(away.join('\n')).not.toContain('\uFFFD');
      second = spawnCli(['serve', '--host', '127.0.0.1', '--port', String(first.port)]);
      await second.waitForStderr(/listening on/);
      await pane.waitFor((l) => shows(l, 'reconnected as mo; back in crew') && lastLine(l) === 'mo[crew]> typed meanwhile', 'the reconnection', 30_000);
      const nell = await LineClient.connect(first.port);
      peers.push(nell);
      nell.sendLine('JOIN nell');
      nell.sendLine('JOIN_GROUP crew');
      await nell.waitForLine(/You joined group crew \(2 members\)/);
      pane.key('Enter');
      await nell.waitForLine('[Group crew] mo: typed meanwhile');
      pane.key('C-d');
      expect(await pane.exitCode()).toBe(EXIT.OK);
    } finally {
      first.server.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
    }
  });

  it('never lets the server set the title, write the clipboard, clear the screen or overwrite a line', async () => {
    const hostile = await startHostileServer();
    try {
      const pane = openPane(['join', 'frank', '127.0.0.1', String(hostile.port)], dir);
      // With this, tmux takes an OSC 52 clipboard write from a pane into a paste buffer.
      tmux('set-option', '-g', 'set-clipboard', 'on');
      const peer = await hostile.joined();
      await pane.waitFor((lines) => lastLine(lines) === 'frank>', 'the prompt');
      const titleBefore = pane.title();
      await peer.write(
        '[Broadcast] mallory: \u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[Hsafe\rEVIL \u009b2J \u202eevil\n' +
          '[Broadcast] mallory: marker\n',
      );
      const lines = await pane.waitFor((l) => l.some((line) => line.includes('mallory: marker')), 'the line after the hostile one');
      const screen = lines.join('\n');
      expect(screen).toContain('Joined 127.0.0.1');
      expect(screen).toContain('mallory: \uFFFD]0;pwned\uFFFD\uFFFD]52;c;ZXZpbA==\uFFFD\uFFFD[2J\uFFFD[Hsafe\uFFFDEVIL \uFFFD2J \uFFFDevil');
      expect(pane.title()).toBe(titleBefore);
      expect(tmux('list-buffers', '-F', '#{buffer_sample}')).not.toContain('evil');
      pane.key('C-d');
      expect(await pane.exitCode()).toBe(EXIT.OK);
    } finally {
      await hostile.close();
    }
  });
});
