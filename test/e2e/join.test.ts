// `netchat join` with stdin not a terminal, against the real `netchat serve`, under whichever
// runtime NETCHAT_CLI names. Raw LineClient peers stand in for the other users.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

async function startServer(extra: string[] = []): Promise<{ server: CliProcess; port: number }> {
  // The tests share one server and count on every join and leave being announced.
  const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--announce-rate', '1000', ...extra]);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

async function stopServer(server: CliProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** A registered raw peer. */
async function peer(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe(`netchat join in a pipe [${CLI_RUNTIME}]`, () => {
  let server: CliProcess;
  let port: number;
  const peers: LineClient[] = [];
  const join = (args: string[], input: string) => runCli(['join', ...args, '127.0.0.1', String(port)], { input });
  const watcher = async (name: string) => {
    const client = await peer(port, name);
    peers.push(client);
    return client;
  };

  beforeAll(async () => {
    // Flood control at its defaults, but a client that ever makes the server hold back a
    // second line is cut off: only a client that paces itself gets through.
    ({ server, port } = await startServer(['--flood-max-delayed', '1']));
  });
  afterAll(async () => {
    for (const client of peers) client.close();
    await stopServer(server);
  });

  it('sends one piped line and exits 0 once the server has processed it', async () => {
    const alice = await watcher('alice1');
    const result = await join(['bot1'], 'hi\n');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    await alice.waitForLine('[Broadcast] bot1: hi');
  });

  it('delivers many lines in order without being cut off by flood control', async () => {
    const alice = await watcher('alice2');
    const lines = Array.from({ length: 16 }, (_, i) => `line ${i} ✓`);
    const result = await join(['bot2'], `${lines.join('\n')}\n`);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    await alice.waitForLine('[Broadcast] bot2: line 15 ✓');
    const got = alice.lines.filter((l) => l.startsWith('[Broadcast] bot2: ')).map((l) => l.slice('[Broadcast] bot2: '.length));
    expect(got).toEqual(lines);
  });

  it('the server really cuts off a client that sends as fast as it can', async () => {
    const raw = await peer(port, 'rawflood');
    raw.send(Array.from({ length: 16 }, (_, i) => `BROADCAST ${i}\n`).join(''));
    await raw.waitForLine(/^ERROR FLOOD/);
  });

  it('turns slash commands into protocol commands and prints the replies on stdout', async () => {
    const alice = await watcher('alice3');
    alice.sendLine('JOIN_GROUP team3');
    await alice.waitForLine(/You joined group team3/);
    const input = ['/join team3', '/group team3 hello team', '/msg alice3 psst', '/users', '/groups', '//slash'].join('\n');
    const result = await join(['bot3'], `${input}\n`);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    await alice.waitForLine('[Group team3] bot3: hello team');
    await alice.waitForLine('[Private] bot3: psst');
    await alice.waitForLine('[Broadcast] bot3: /slash');
    expect(result.stdout).toMatch(/^\[Server\] You joined group team3 \(2 members\)\.$/m);
    expect(result.stdout).toMatch(/^\[Users\] .*\bbot3\b/m);
    expect(result.stdout).toMatch(/^\[Groups\] .*team3 \(2\)/m);
  });

  it('stops at /quit: later lines are not sent', async () => {
    const alice = await watcher('alice4');
    const result = await join(['bot4'], 'before\n/quit\nafter\n');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    await alice.waitForLine(/^\[Server\] bot4 has left the chat/);
    expect(alice.lines).toContain('[Broadcast] bot4: before');
    expect(alice.lines).not.toContain('[Broadcast] bot4: after');
  });

  it('sends a line of exactly max-line-bytes whole and one byte longer as two, in order', async () => {
    const alice = await watcher('alice5');
    const fits = 'a'.repeat(4096 - 'BROADCAST '.length);
    const tooLong = 'b'.repeat(4097 - 'BROADCAST '.length);
    const result = await join(['bot5'], `${fits}\n${tooLong}\nafter\n`);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stderr).not.toContain('LINE_TOO_LONG');
    await alice.waitForLine('[Broadcast] bot5: after');
    const received = alice.lines.filter((l) => l.startsWith('[Broadcast] bot5: '));
    expect(received).toEqual([`[Broadcast] bot5: ${fits}`, `[Broadcast] bot5: ${tooLong.slice(0, -1)}`, '[Broadcast] bot5: b', '[Broadcast] bot5: after']);
  });

  it('--json prints one JSON object per event, ending with how it closed', async () => {
    const result = await join(['bot6', '--json'], '/users\n/nope\n');
    expect(result.code, result.stderr).toBe(EXIT.INPUT_REFUSED);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const event of events) expect(Date.parse(String(event.time))).not.toBeNaN();
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['welcome', 'users', 'error', 'goodbye']));
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'UNKNOWN_COMMAND', local: true });
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'quit' });
  });

  it('exits 4 when the name is taken, with nothing on stdout', async () => {
    await watcher('alice7');
    const result = await join(['ALICE7'], 'hi\n');
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('NAME_TAKEN');
  });

  it('exits 4 for an invalid name, and reports the error as JSON with --json', async () => {
    const result = await join(['bad!name', '--json'], '');
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string });
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: 'NAME_INVALID' }));
  });

  it('exits 3 naming host and port when nothing listens there', async () => {
    const free = await closedPort();
    const result = await runCli(['join', 'bot8', '127.0.0.1', String(free)], { input: 'hi\n' });
    expect(result.code, result.stderr).toBe(EXIT.CONNECT);
    expect(result.stderr).toContain(`127.0.0.1:${free}`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 with no prompt on stdout when the name is missing in a pipe', async () => {
    const result = await runCli(['join'], { input: 'hi\n' });
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stdout).toBe('');
  });

  it.each([['PORT', ['bot9', '127.0.0.1', '0']], ['--timeout', ['bot9', '127.0.0.1', '1', '--timeout', 'soon']]])(
    'exits 2 for a bad %s',
    async (_, args) => {
      const result = await runCli(['join', ...args], { input: '' });
      expect(result.code, result.stderr).toBe(EXIT.USAGE);
    },
  );

  it('leaves cleanly and exits 130 on SIGINT', async () => {
    const alice = await watcher('alice10');
    const client = spawnCli(['join', 'bot10', '127.0.0.1', String(port)]);
    await client.waitForStderr(/joined .* as bot10/);
    client.child.kill('SIGINT');
    expect(await client.exited).toBe(EXIT.INTERRUPTED);
    await alice.waitForLine(/^\[Server\] bot10 has left the chat/);
  });
});

describe(`netchat join --stay [${CLI_RUNTIME}]`, () => {
  it('keeps printing messages after the end of input, until a signal', async () => {
    const { server, port } = await startServer();
    const watcher = spawnCli(['join', 'watcher1', '127.0.0.1', String(port), '--stay', '--json']);
    watcher.child.stdin.end();
    try {
      await watcher.waitForStderr(/joined .* as watcher1/);
      const alice = await peer(port, 'alice13');
      // Both lines are sent after the watcher's input ended: only a client that stayed sees them.
      alice.sendLine('BROADCAST first');
      alice.sendLine('BROADCAST second');
      await watcher.waitForStdout(/"text":"second"/);
      const events = watcher
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; text?: string });
      expect(events.filter((e) => e.type === 'broadcast').map((e) => e.text)).toEqual(['first', 'second']);
      watcher.child.kill('SIGINT');
      expect(await watcher.exited, watcher.stderr()).toBe(EXIT.INTERRUPTED);
      await alice.waitForLine(/^\[Server\] watcher1 has left the chat/);
      alice.close();
    } finally {
      watcher.child.kill('SIGKILL');
      await stopServer(server);
    }
  });

  it('still leaves at /quit', async () => {
    const { server, port } = await startServer();
    try {
      const result = await runCli(['join', 'watcher2', '127.0.0.1', String(port), '--stay'], { input: 'bye\n/quit\n' });
      expect(result.code, result.stderr).toBe(EXIT.OK);
    } finally {
      await stopServer(server);
    }
  });
});

describe(`netchat join while idle [${CLI_RUNTIME}]`, () => {
  it('answers the server PING by itself and stays connected', async () => {
    const { server, port } = await startServer(['--ping-interval', '0.2', '--ping-timeout', '0.3']);
    const client = spawnCli(['join', 'idle1', '127.0.0.1', String(port)]);
    try {
      await client.waitForStderr(/joined .* as idle1/);
      // A peer that never answers PING is cut off after 0.5 s of silence: once that has
      // happened, the idle client has had to answer at least one PING too.
      const mute = await LineClient.connect(port);
      mute.sendLine('JOIN mute1');
      await mute.waitForLine(/^ERROR PING_TIMEOUT/);
      const alice = await peer(port, 'alice12');
      client.child.stdin.end('still here\n');
      expect(await client.exited, client.stderr()).toBe(EXIT.OK);
      await alice.waitForLine('[Broadcast] idle1: still here');
      alice.close();
    } finally {
      client.child.kill('SIGKILL');
      await stopServer(server);
    }
  });
});

describe(`netchat join when the server goes away [${CLI_RUNTIME}]`, () => {
  it('exits 5 when the server shuts down while joined', async () => {
    const { server, port } = await startServer();
    const client = spawnCli(['join', 'bot11', '127.0.0.1', String(port)]);
    try {
      await client.waitForStderr(/joined .* as bot11/);
      await stopServer(server);
      expect(await client.exited).toBe(EXIT.SERVER_CLOSED);
      expect(client.stderr()).toMatch(/shutting down/);
    } finally {
      client.child.kill('SIGKILL');
      server.child.kill('SIGKILL');
    }
  });
});
