// `netchat serve` as users run it, under every runtime: start-up log, chat over real sockets,
// limits from flags, usage errors, port in use, and clean shutdown on SIGINT/SIGTERM.
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const running: CliProcess[] = [];
const clients: LineClient[] = [];

async function serve(...flags: string[]): Promise<{ proc: CliProcess; port: number }> {
  const proc = spawnCli(['serve', '--port', '0', ...flags]);
  running.push(proc);
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/);
  return { proc, port: Number(port) };
}

async function connect(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push(client);
  await client.waitForLine(/^\[Server\] Welcome to netchat\./);
  return client;
}

async function joined(port: number, name: string): Promise<LineClient> {
  const client = await connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(/^\[Server\] Welcome, /);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

describe(`netchat serve [${CLI_RUNTIME}]`, () => {
  it('says where it listens, relays chat, logs one line per connect and disconnect with a reason', async () => {
    const { proc, port } = await serve('--host', '127.0.0.1');
    expect(proc.stderr()).toMatch(new RegExp(`listening on 127\\.0\\.0\\.1:${port}\\n`));
    const alice = await joined(port, 'alice');
    const bob = await joined(port, 'bob');
    alice.sendLine('BROADCAST hello from alice');
    expect(await bob.waitForLine(/^\[Broadcast\]/)).toBe('[Broadcast] alice: hello from alice');
    bob.sendLine('QUIT');
    await bob.waitForClose();
    await alice.waitForLine('[Server] bob has left the chat (quit).');
    alice.close();
    await proc.waitForStderr(/disconnect #\d+ alice \(127\.0\.0\.1:\d+\): connection (closed by peer|reset)/);
    expect(proc.stderr().match(/connect #\d+ from 127\.0\.0\.1:\d+/g)).toHaveLength(2);
    await proc.waitForStderr(/disconnect #\d+ bob \(127\.0\.0\.1:\d+\): quit\n/);
    expect(proc.stdout()).toBe('');
  });

  it('names this machine’s other addresses when listening on all interfaces', async () => {
    const { proc, port } = await serve('--host', '0.0.0.0');
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4');
    if (external.length > 0) await proc.waitForStderr(/reachable from other machines at .*\n/);
    for (const address of external) expect(proc.stderr()).toContain(`${address!.address}:${port}`);
    await joined(port, 'local');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s tells every client, closes them and exits 0', async (signal) => {
    const { proc, port } = await serve('--host', '127.0.0.1');
    const a = await joined(port, 'a');
    const lurker = await connect(port);
    proc.child.kill(signal);
    for (const client of [a, lurker]) {
      await client.waitForLine('[Server] Server is shutting down.');
      await client.waitForClose();
    }
    expect(await proc.exited).toBe(EXIT.OK);
    expect(proc.stderr()).toMatch(/server shutdown/);
  });

  it('exits 3 with a clear message when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port)]);
      expect(result.code, result.stderr).toBe(EXIT.CONNECT);
      expect(result.stderr).toMatch(/address already in use/);
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['--port', '70000'],
    ['--max-line-bytes', '15'],
    ['--max-line-bytes', 'lots'],
    ['--max-send-queue', '1x'],
    ['--flood-rate', 'fast'],
    ['--flood-rate', '0'],
    ['--ping-interval', '-1'],
    ['--max-per-ip', '0'],
    ['--max-unterminated-bytes', '100'],
    ['--announce-limit', 'many'],
  ])('exits 2 for %s %s', async (flag, value) => {
    const result = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', flag, value]);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    // The message names the flag typed, never a field of the core (camelCase).
    const message = /^error: (.*)$/m.exec(result.stderr)?.[1];
    expect(message, result.stderr).toMatch(new RegExp(`^${flag} `));
    expect(message).not.toMatch(/\b[a-z]+[A-Z]\w*/);
    expect(result.stdout).toBe('');
  });

  it('applies limits from flags', async () => {
    const { port } = await serve(
      ...['--host', '127.0.0.1', '--max-line-bytes', '100', '--flood-burst', '3', '--flood-rate', '2.5'],
      ...['--flood-max-delayed', '7', '--max-name-length', '10', '--ping-interval', '30', '--ping-timeout', '5'],
      '--max-per-ip',
      '2',
    );
    const a = await joined(port, 'a');
    a.sendLine('LIMITS');
    const limits = await a.waitForLine(/^\[Limits\]/);
    for (const pair of [
      'max-line-bytes=100',
      'flood-burst=3',
      'flood-lines-per-second=2.5',
      'flood-max-delayed-lines=7',
      'max-name-length=10',
      'ping-interval-ms=30000',
      'ping-timeout-ms=5000',
    ]) {
      expect(limits.split(' ')).toContain(pair);
    }
    const second = await connect(port);
    const third = await LineClient.connect(port);
    clients.push(third);
    await third.waitForLine(/^ERROR TOO_MANY_CONNECTIONS /);
    await third.waitForClose();
    expect(second.closed).toBe(false);
  });

  it('closes a connection that does not JOIN within --registration-timeout', async () => {
    const { proc, port } = await serve('--host', '127.0.0.1', '--registration-timeout', '0.3');
    const idle = await connect(port);
    await idle.waitForLine(/^ERROR REGISTRATION_TIMEOUT /);
    await idle.waitForClose();
    await proc.waitForStderr(/disconnect #\d+ \(127\.0\.0\.1:\d+\): registration timeout\n/);
  });

  it('logs only warnings with --quiet', async () => {
    const port = await freePort();
    const proc = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--quiet', '--max-per-ip', '1']);
    running.push(proc);
    const first = await connectWhenListening(port, proc);
    clients.push(first);
    const refused = await LineClient.connect(port);
    clients.push(refused);
    await refused.waitForLine(/^ERROR TOO_MANY_CONNECTIONS /);
    await proc.waitForStderr(/refused 127\.0\.0\.1:\d+: TOO_MANY_CONNECTIONS/);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(EXIT.OK);
    expect(proc.stderr()).not.toMatch(/listening on|connect #/);
  });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A quiet server says nothing when it is ready, so this is the one place that retries: connect
 * until it is accepted, giving up when the server exits or after 15 s.
 */
async function connectWhenListening(port: number, proc: CliProcess): Promise<LineClient> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await LineClient.connect(port);
    } catch (error) {
      if (exited || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
