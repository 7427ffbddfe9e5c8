// `netchat udp-serve` and `netchat udp-join` as users run them, under whichever runtime
// NETCHAT_CLI names: with raw sockets speaking the original UDP chat beside them, a proxy that
// loses the first datagram, expiry, bad datagrams, an unproven flood, shutdown and silence.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closedPort, RawUdpPeer } from '../helpers/echo-test-peers.ts';
import { startScriptedUdpServer, type ScriptedUdpServer } from '../core/udp-chat/scripted-udp-server.ts';

const running: CliProcess[] = [];
const peers: RawUdpPeer[] = [];
const sockets: dgram.Socket[] = [];
const scripted: ScriptedUdpServer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const server of scripted.splice(0)) server.close();
  for (const socket of sockets.splice(0)) socket.close();
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

async function udpServer(...flags: string[]): Promise<{ server: CliProcess; port: number }> {
  const server = spawnCli(['udp-serve', '--host', '127.0.0.1', '--port', '0', ...flags]);
  running.push(server);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+) \(udp chat\)/);
  return { server, port: Number(port) };
}

function udpJoin(args: string[]): CliProcess {
  const proc = spawnCli(['udp-join', ...args]);
  running.push(proc);
  return proc;
}

const texts = (peer: RawUdpPeer) => peer.datagrams.map(String);

async function waitForText(peer: RawUdpPeer, text: string | RegExp): Promise<void> {
  const found = () => texts(peer).some((t) => (typeof text === 'string' ? t === text : text.test(t)));
  while (!found()) await peer.waitForDatagrams(peer.datagrams.length + 1, 15_000);
}

async function rawPeer(): Promise<RawUdpPeer> {
  const peer = await RawUdpPeer.bind();
  peers.push(peer);
  return peer;
}

/** What the original client does: send the name, then (as the first typed message) the code. */
async function originalClient(port: number, name: string): Promise<RawUdpPeer> {
  const peer = await rawPeer();
  await peer.send(`${name}\n`, port);
  await waitForText(peer, /^\[SERVER\] (?:Send )?\w{6}/);
  const code = /(\w{6})/.exec(texts(peer)[0]!.slice('[SERVER] '.length))![1]!;
  await peer.send(`${code}\n`, port);
  await waitForText(peer, new RegExp(`^\\[SERVER\\] Welcome, ${name}!`));
  expect(texts(peer)).toContain(`[SERVER] ${name} has joined the chat.`);
  return peer;
}

describe(`netchat udp-serve and udp-join [${CLI_RUNTIME}]`, () => {
  it('a netchat client and the original client chat through the server', async () => {
    const { server, port } = await udpServer();
    const carol = await originalClient(port, 'carol');
    const bot = udpJoin(['bot', '127.0.0.1', String(port), '--stay']);
    await waitForText(carol, '[SERVER] bot has joined the chat.');
    await bot.waitForStdout(/^\[SERVER\] bot has joined the chat\.$/m);
    bot.child.stdin.write('hello carol\n');
    await waitForText(carol, 'bot ~ hello carol');
    await carol.send('hi bot\n', port);
    await bot.waitForStdout(/^carol ~ hi bot$/m);
    bot.child.kill('SIGINT');
    expect(await bot.exited).toBe(EXIT.INTERRUPTED);
    await server.waitForStderr(/bot \(127\.0\.0\.1:\d+\) left: quit/);
    expect(server.stdout()).toBe('');
  });

  it('sends piped lines, prints one line per datagram, and exits 0 at the end of input', async () => {
    const { port } = await udpServer();
    const watcher = await originalClient(port, 'watcher');
    const result = await runCli(['udp-join', 'piper', '127.0.0.1', String(port)], { input: 'one\ntwo ✓\n' });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout).toBe('[SERVER] piper has joined the chat.\npiper ~ one\npiper ~ two ✓\n');
    await waitForText(watcher, '[SERVER] piper has left the chat.');
    expect(texts(watcher)).toContain('piper ~ two ✓');
  });

  it('--json prints one object per event, ending with how it closed', async () => {
    const { port } = await udpServer();
    const result = await runCli(['udp-join', 'jay', '127.0.0.1', String(port), '--json'], { input: 'hey\n/nope\n' });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['user-joined', 'welcome']);
    expect(events.at(-2)).toMatchObject({ type: 'goodbye', name: 'jay' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', from: 'jay', text: 'hey' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNKNOWN_COMMAND', local: true }));
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'quit' });
  });

  it('joins through a network that loses the first datagram', async () => {
    const { port } = await udpServer();
    const proxy = await lossyProxy(port, 1);
    const watcher = await originalClient(port, 'seer');
    const result = await runCli(['udp-join', 'lossy', '127.0.0.1', String(proxy.port)], { input: 'made it\n' });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(proxy.dropped).toHaveLength(1);
    expect(proxy.dropped[0]!.startsWith('/join lossy ')).toBe(true);
    await waitForText(watcher, 'lossy ~ made it');
  });

  it('refuses a taken name (any case) with exit 4, and an unreachable server with exit 3', async () => {
    const { port } = await udpServer();
    await originalClient(port, 'Taken');
    const taken = await runCli(['udp-join', 'taKEN', '127.0.0.1', String(port)], { input: 'x\n' });
    expect(taken.code).toBe(EXIT.NAME_REFUSED);
    expect(taken.stderr).toContain('NAME_TAKEN');
    const nobody = await runCli(['udp-join', 'x', '127.0.0.1', String(await closedPort()), '--timeout', '1'], { input: 'x\n' });
    expect(nobody.code).toBe(EXIT.CONNECT);
    expect(nobody.stderr).toMatch(/cannot reach the UDP chat/);
  });

  it('expires a silent user, while netchat’s client keeps itself in', async () => {
    const { server, port } = await udpServer('--idle-timeout', '1');
    const keeper = udpJoin(['keeper', '127.0.0.1', String(port), '--stay']);
    await keeper.waitForStdout(/keeper has joined the chat/);
    await originalClient(port, 'silent');
    // The keeper joined first: had it not kept itself in, it would have left first.
    await keeper.waitForStdout(/^\[SERVER\] silent has left the chat \(timed out\)\.$/m);
    await server.waitForStderr(/silent \(127\.0\.0\.1:\d+\) left: timed out/);
    expect(server.stderr()).not.toMatch(/keeper \(.*left/);
  });

  it('logs bad datagrams, answers none of them with a crash, and keeps relaying', async () => {
    const { server, port } = await udpServer('--max-datagram-bytes', '200');
    const user = await originalClient(port, 'user');
    await user.send(Uint8Array.of(0xc3, 0x28, 0xff), port);
    await server.waitForStderr(/dropped a datagram from 127\.0\.0\.1:\d+: not UTF-8 text/);
    await user.send('x'.repeat(201), port);
    await server.waitForStderr(/over max-datagram-bytes \(201 bytes\)/);
    await waitForText(user, /^\[SERVER\] DATAGRAM_TOO_LONG: /);
    await user.send('still here\n', port);
    await waitForText(user, 'user ~ still here');
  });

  it('an unproven registration flood gets at most 3× its bytes back, and reaches no one else', async () => {
    const { port } = await udpServer('--flood-burst', '0');
    const bystander = await originalClient(port, 'bystander');
    const had = bystander.datagrams.length;
    const attacker = await rawPeer();
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      const datagram = i % 2 === 0 ? `n${i}\n` : `guess${i}`;
      await attacker.send(datagram, port);
      sent += Buffer.byteLength(datagram);
    }
    // A last datagram from the bystander: its relay comes after everything the flood caused.
    await bystander.send('marker\n', port);
    await waitForText(bystander, 'bystander ~ marker');
    expect(texts(bystander).slice(had)).toEqual(['bystander ~ marker']);
    // The server answered the flood before it relayed the marker, but this process may read the
    // bystander's socket before the attacker's: a datagram the attacker sends itself queues
    // behind those answers, so once it is read, so are they.
    await attacker.send('fence', attacker.port);
    await waitForText(attacker, 'fence');
    const answers = attacker.datagrams.filter((d) => String(d) !== 'fence');
    const received = answers.reduce((sum, d) => sum + d.length, 0);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(3 * sent);
  });

  it('a user whose port has closed costs the others none of their datagrams', async () => {
    const { port } = await udpServer();
    // Joined first, so every relay goes to its closed port (a "port unreachable" back) just
    // before it goes to the watcher: where the runtime reports that on the next send, the
    // watcher's datagram is the one that fails.
    const ghost = await originalClient(port, 'ghost');
    const watcher = await originalClient(port, 'watcher');
    peers.splice(peers.indexOf(ghost), 1);
    await new Promise<void>((resolve) => ghost.socket.close(() => resolve()));
    const sender = await originalClient(port, 'sender');
    for (const text of ['one', 'two', 'three']) {
      await sender.send(`${text}\n`, port);
      await waitForText(sender, `sender ~ ${text}`);
    }
    for (const text of ['one', 'two', 'three']) await waitForText(watcher, `sender ~ ${text}`);
    expect(texts(watcher)).toContain('[SERVER] sender has joined the chat.');
  });

  it('on SIGINT tells every client it is shutting down and exits 0; the clients exit 5', async () => {
    const { server, port } = await udpServer();
    const original = await originalClient(port, 'orig');
    const client = udpJoin(['stayer', '127.0.0.1', String(port), '--stay']);
    await client.waitForStdout(/stayer has joined the chat/);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(EXIT.OK);
    await waitForText(original, '[SERVER] Server is shutting down.');
    expect(await client.exited).toBe(EXIT.SERVER_CLOSED);
    expect(client.stderr()).toMatch(/the server is shutting down/);
  });

  it('a client notices a server that died silently, with exit 5', async () => {
    const { server, port } = await udpServer();
    const client = udpJoin(['orphan', '127.0.0.1', String(port), '--stay', '--server-timeout', '1']);
    await client.waitForStdout(/orphan has joined the chat/);
    server.child.kill('SIGKILL');
    expect(await client.exited).toBe(EXIT.SERVER_CLOSED);
    expect(client.stderr()).toMatch(/the server stopped answering/);
  });

  it('a client notices a server that died between announcing its join and the welcome, with exit 5', async () => {
    const server = await startScriptedUdpServer();
    scripted.push(server);
    const client = udpJoin(['orphan', '127.0.0.1', String(server.port), '--stay', '--server-timeout', '1']);
    await client.waitForStdout(/orphan has joined the chat/);
    server.close();
    expect(await client.exited).toBe(EXIT.SERVER_CLOSED);
    expect(client.stderr()).toMatch(/the server stopped answering/);
  });

  it('a client killed and restarted from a new port gets its name back', async () => {
    const { server, port } = await udpServer();
    const watcher = await originalClient(port, 'watch');
    const first = udpJoin(['phoenix', '127.0.0.1', String(port), '--stay']);
    await first.waitForStdout(/phoenix has joined the chat/);
    first.child.kill('SIGKILL');
    await first.exited;
    const again = await runCli(['udp-join', 'phoenix', '127.0.0.1', String(port)], { input: 'back again\n' });
    expect(again.code, again.stderr).toBe(EXIT.OK);
    await waitForText(watcher, 'phoenix ~ back again');
    await server.waitForStderr(/phoenix \(127\.0\.0\.1:\d+\) left: replaced/);
  });

  it('usage errors exit 2 naming the flag; a port in use exits 3', async () => {
    const bad = await runCli(['udp-serve', '--max-datagram-bytes', '10']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toContain('--max-datagram-bytes');
    const noName = await runCli(['udp-join']);
    expect(noName.code).toBe(EXIT.USAGE);
    const { port } = await udpServer();
    const busy = await runCli(['udp-serve', '--host', '127.0.0.1', '--port', String(port)]);
    expect(busy.code).toBe(EXIT.CONNECT);
    expect(busy.stderr).toMatch(/address already in use/);
  });
});

/** A UDP relay to the server that drops the first `drop` datagrams from its one client. */
async function lossyProxy(serverPort: number, drop: number): Promise<{ port: number; dropped: string[] }> {
  const bind = async () => {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return socket;
  };
  const front = await bind();
  const back = await bind();
  const dropped: string[] = [];
  let client: dgram.RemoteInfo | undefined;
  front.on('message', (message, from) => {
    client = from;
    if (dropped.length < drop) dropped.push(message.toString());
    else back.send(message, serverPort, '127.0.0.1');
  });
  back.on('message', (message) => client && front.send(message, client.port, client.address));
  return { port: front.address().port, dropped };
}
