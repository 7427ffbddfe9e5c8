// `netchat udp-join` in a real terminal: tmux runs it in a pane, types into it and reads the
// screen. It looks and behaves like `netchat join`: a message arriving while the user types
// appears above the prompt, and the partly typed input stays intact.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closeTmux, HAS_TMUX, openPane, tmux } from '../helpers/tmux-pane.ts';
import { RawUdpPeer } from '../helpers/echo-test-peers.ts';
import { scriptedWelcome, startScriptedUdpServer } from '../core/udp-chat/scripted-udp-server.ts';

const lastLine = (lines: string[]) => lines.filter((l) => l !== '').at(-1) ?? '';
/** The original client: the name (4 characters or more: its code then comes at once), then the code. */
async function originalClient(port: number, name: string): Promise<RawUdpPeer> {
  const peer = await RawUdpPeer.bind();
  await peer.send(`${name}\n`, port);
  await peer.waitForDatagrams(1);
  const code = /(\w{6})/.exec(String(peer.datagrams[0]).slice('[SERVER] '.length))![1]!;
  await peer.send(`${code}\n`, port);
  await peer.waitForDatagrams(3);
  return peer;
}

async function startServer(): Promise<{ server: CliProcess; port: number }> {
  const server = spawnCli(['udp-serve', '--host', '127.0.0.1', '--port', '0']);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

const title = HAS_TMUX ? `netchat udp-join in a terminal [${CLI_RUNTIME}]` : 'netchat udp-join in a terminal (skipped: tmux is not installed)';

describe.skipIf(!HAS_TMUX)(title, () => {
  let dir: string;
  let server: CliProcess;
  let port: number;
  const peers: RawUdpPeer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-udp-tty-'));
    ({ server, port } = await startServer());
  });
  afterAll(async () => {
    for (const peer of peers) peer.close();
    closeTmux();
    server?.child.kill('SIGKILL');
    await server?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a message above the prompt, keeps the typed line intact, sends it on Enter, /quit exits 0', async () => {
    const pane = openPane(['udp-join', 'alice', '127.0.0.1', String(port)], dir);
    await pane.waitFor((lines) => lastLine(lines) === 'alice>', 'the prompt');
    const bob = await originalClient(port, 'bobby');
    peers.push(bob);
    pane.type('hello wor');
    await pane.waitFor((lines) => lastLine(lines) === 'alice> hello wor', 'the typed text');
    await bob.send('message from bob\n', port);
    const lines = await pane.waitFor(
      (l) => l.includes('bobby: message from bob') && lastLine(l) === 'alice> hello wor',
      'the message above the intact input',
    );
    expect(lines.filter((l) => l.includes('hello wor'))).toEqual(['alice> hello wor']);
    pane.type('ld');
    pane.key('Enter');
    await pane.waitFor((l) => l.includes('alice: hello world'), 'our own message back from the server');
    while (!bob.datagrams.map(String).includes('alice ~ hello world')) await bob.waitForDatagrams(bob.datagrams.length + 1);
    pane.type('/quit');
    pane.key('Enter');
    expect(await pane.exitCode()).toBe(EXIT.OK);
  });

  it('asks for another name when the server refuses one, and says so and exits 5 at shutdown', async () => {
    const own = await startServer();
    try {
      peers.push(await originalClient(own.port, 'dave'));
      const pane = openPane(['udp-join', 'dave', '127.0.0.1', String(own.port)], dir);
      await pane.waitFor((l) => l.some((line) => line.includes('Another name')), 'the second name prompt');
      expect(pane.screen().join('\n')).toContain('NAME_TAKEN');
      pane.type('dave2');
      pane.key('Enter');
      await pane.waitFor((lines) => lastLine(lines) === 'dave2>', 'the prompt');
      pane.type('half typed');
      own.server.child.kill('SIGTERM');
      expect(await pane.exitCode()).toBe(EXIT.SERVER_CLOSED);
      expect(pane.screen().join('\n')).toMatch(/shutting down/);
    } finally {
      own.server.child.kill('SIGKILL');
      await own.server.exited;
    }
  });

  it('never lets the server set the title, write the clipboard, clear the screen or overwrite a line', async () => {
    const hostile = await startScriptedUdpServer({ afterJoined: (name) => [scriptedWelcome(name)] });
    try {
      const pane = openPane(['udp-join', 'frank', '127.0.0.1', String(hostile.port)], dir);
      // With this, tmux takes an OSC 52 clipboard write from a pane into a paste buffer.
      tmux('set-option', '-g', 'set-clipboard', 'on');
      await pane.waitFor((lines) => lastLine(lines) === 'frank>', 'the prompt');
      const titleBefore = pane.title();
      hostile.sendToClients([
        'mallory ~ \u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[Hsafe\rEVIL \u009b2J \u202eevil \u200fmark',
        'mallory ~ marker',
      ]);
      const lines = await pane.waitFor((l) => l.some((line) => line.includes('mallory: marker')), 'the line after the hostile one');
      const screen = lines.join('\n');
      expect(screen).toContain('Joined the UDP chat');
      expect(screen).toContain('mallory: \uFFFD]0;pwned\uFFFD\uFFFD]52;c;ZXZpbA==\uFFFD\uFFFD[2J\uFFFD[Hsafe\uFFFDEVIL \uFFFD2J \uFFFDevil \uFFFDmark');
      expect(pane.title()).toBe(titleBefore);
      expect(tmux('list-buffers', '-F', '#{buffer_sample}')).not.toContain('evil');
      pane.key('C-d');
      expect(await pane.exitCode()).toBe(EXIT.OK);
    } finally {
      hostile.close();
    }
  });
});
