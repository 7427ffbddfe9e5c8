// `netchat echo` as users run it, under every runtime: the server over TCP, --lines and --udp,
// the client sending stdin or probes, exit codes, usage errors and signals.
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';

const running: CliProcess[] = [];
const sockets: Array<net.Socket | net.Server> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket instanceof net.Server ? socket.close() : socket.destroy();
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

async function echoServer(...flags: string[]): Promise<{ proc: CliProcess; port: string }> {
  const proc = spawnCli(['echo', '--port', '0', '--host', '127.0.0.1', ...flags]);
  running.push(proc);
  const [, port] = await proc.waitForStderr(/listening on 127\.0\.0\.1:(\d+) /);
  return { proc, port: port! };
}

/** What the seed's client did: connect, send without a newline, read once. */
function sendAndReadOnce(port: string, data: string | Uint8Array): Promise<{ reply: Buffer; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: Number(port), host: '127.0.0.1' }, () => socket.write(data));
    sockets.push(socket);
    socket.once('data', (reply: Buffer) => resolve({ reply, socket }));
    socket.once('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const REPLY_LINE = /^reply from 127\.0\.0\.1:\d+ seq=(\d+) ts=\d+\.\d{6} time=\d+\.\d{3} ms$/;
const RTT_LINE = /^rtt min\/avg\/p99\/max = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/;

describe(`netchat echo server [${CLI_RUNTIME}]`, () => {
  it('answers "Hello Server!" with its timestamp and logs connect and disconnect with the address', async () => {
    const { proc, port } = await echoServer();
    const before = Date.now() / 1000;
    const { reply, socket } = await sendAndReadOnce(port, 'Hello Server!');
    const match = /^(\d+\.\d{6}):Hello Server!$/.exec(reply.toString());
    expect(match, reply.toString()).not.toBeNull();
    expect(Math.abs(Number(match![1]) - before)).toBeLessThan(10);
    const clientPort = socket.localPort;
    await proc.waitForStderr(new RegExp(`connect from 127\\.0\\.0\\.1:${clientPort} `));
    socket.end();
    await proc.waitForStderr(new RegExp(`disconnect 127\\.0\\.0\\.1:${clientPort}: eof `));
    expect(proc.stdout()).toBe('');
  });

  it('closes a client on the 0xFF goodbye', async () => {
    const { proc, port } = await echoServer();
    const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
    sockets.push(socket);
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    let received = 0;
    socket.on('data', (chunk) => (received += chunk.length));
    socket.write(Uint8Array.of(0xff));
    await ended;
    expect(received).toBe(0);
    await proc.waitForStderr(/disconnect 127\.0\.0\.1:\d+: goodbye /);
  });

  it('with --lines answers each line', async () => {
    const { port } = await echoServer('--lines');
    const { code, stdout } = await runCli(['echo', '127.0.0.1', port, '--lines'], { input: 'one\ntwo' });
    expect(code).toBe(EXIT.OK);
    expect(stdout).toMatch(/^\d+\.\d{6}:one\n\d+\.\d{6}:two\n$/);
  });

  it('with --udp answers each datagram', async () => {
    const { port } = await echoServer('--udp');
    const socket = dgram.createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
    socket.send('Hello Server!', Number(port), '127.0.0.1');
    expect((await reply).toString()).toMatch(/^\d+\.\d{6}:Hello Server!$/);
    socket.close();
  });

  it('with --udp caps replies per address and leaves an echo reply unanswered, saying why with --verbose', async () => {
    const { proc, port } = await echoServer('--udp', '--verbose', '--max-replies-per-address', '2', '--max-replies-per-second', '100');
    const socket = dgram.createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (message) => replies.push(message.toString()));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const send = (text: string) => new Promise<void>((resolve) => socket.send(text, Number(port), '127.0.0.1', () => resolve()));
    try {
      await send('1700000000.123456:an echo reply');
      await proc.waitForStderr(/not answered: looks-like-reply/);
      // Fifty back to back: however slow the machine, more than two fall into one second.
      for (let i = 0; i < 50; i++) await send(`probe ${i}`);
      await proc.waitForStderr(/not answered: address-rate/);
      expect(replies.every((reply) => /^\d+\.\d{6}:probe \d+$/.test(reply))).toBe(true);
    } finally {
      socket.close();
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('closes its clients and exits 0 on %s', async (signal) => {
    const { proc, port } = await echoServer();
    const { socket } = await sendAndReadOnce(port, 'x');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    proc.child.kill(signal);
    await closed;
    expect(await proc.exited).toBe(EXIT.OK);
    expect(proc.stderr()).toMatch(/server stopped/);
  });

  it('exits 3 when it cannot listen', async () => {
    const busy = net.createServer();
    sockets.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = String((busy.address() as net.AddressInfo).port);
    const { code, stderr } = await runCli(['echo', '--host', '127.0.0.1', '--port', port]);
    expect(code).toBe(EXIT.CONNECT);
    expect(stderr).toMatch(/EADDRINUSE/);
  });
});

describe(`netchat echo client [${CLI_RUNTIME}]`, () => {
  it('sends stdin and prints each reply, exit 0', async () => {
    const { port } = await echoServer();
    const { code, stdout } = await runCli(['echo', '127.0.0.1', port], { input: 'hello\n' });
    expect(code).toBe(EXIT.OK);
    expect(stdout.replace(/\d+\.\d{6}:/g, '')).toBe('hello\n');
    expect(stdout).toMatch(/^\d+\.\d{6}:hello/);
  });

  it('with --count prints a line per probe and the statistics, like ping', async () => {
    const { port } = await echoServer();
    const { code, stdout } = await runCli(['echo', '127.0.0.1', port, '--count', '3', '--interval', '0']);
    expect(code).toBe(EXIT.OK);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 3).map((line) => REPLY_LINE.exec(line)?.[1])).toEqual(['1', '2', '3']);
    expect(lines[3]).toBe(`--- 127.0.0.1:${port} echo statistics ---`);
    expect(lines[4]).toBe('3 probes, 3 replies, 0% loss');
    expect(lines[5]).toMatch(RTT_LINE);
  });

  it('probes and streams over --udp', async () => {
    const { port } = await echoServer('--udp');
    const probes = await runCli(['echo', '127.0.0.1', port, '--udp', '--count', '2', '--interval', '0']);
    expect(probes.code).toBe(EXIT.OK);
    expect(probes.stdout).toMatch(/^2 probes, 2 replies, 0% loss$/m);
    const lines = await runCli(['echo', '127.0.0.1', port, '--udp', '--lines'], { input: 'a\nb\n' });
    expect(lines.code).toBe(EXIT.OK);
    expect(lines.stdout.split('\n').filter(Boolean).map((line) => line.replace(/^\d+\.\d{6}:/, '')).sort()).toEqual(['a', 'b']);
  });

  it('probes a --lines server with --lines', async () => {
    const { port } = await echoServer('--lines');
    const { code, stdout } = await runCli(['echo', '127.0.0.1', '--port', port, '--lines', '--count', '2', '--interval', '0']);
    expect(code).toBe(EXIT.OK);
    expect(stdout).toMatch(/^2 probes, 2 replies, 0% loss$/m);
  });

  it('exits 3 when the server is unreachable, over TCP and over UDP', async () => {
    const port = String(await freePort());
    const tcp = await runCli(['echo', '127.0.0.1', port, '--count', '3']);
    expect(tcp.code).toBe(EXIT.CONNECT);
    expect(tcp.stderr).toMatch(/ECONNREFUSED/);
    const stream = await runCli(['echo', '127.0.0.1', port], { input: 'x' });
    expect(stream.code).toBe(EXIT.CONNECT);
    const udp = await runCli(['echo', '127.0.0.1', port, '--udp', '--count', '1', '--timeout', '0.2']);
    expect(udp.code).toBe(EXIT.CONNECT);
    expect(udp.stdout).toMatch(/^1 probes, 0 replies, 100% loss$/m);
  });

  it('exits 5 when the server goes away while stdin is still open', async () => {
    const { proc: server, port } = await echoServer();
    const client = spawnCli(['echo', '127.0.0.1', port]);
    running.push(client);
    client.child.stdin.write('hi\n'); // and stdin stays open, as a terminal would
    await client.waitForStdout(/:hi\n/);
    server.child.kill('SIGTERM');
    expect(await client.exited).toBe(EXIT.SERVER_CLOSED);
  });

  it('prints the statistics so far when interrupted', async () => {
    const { port } = await echoServer();
    const proc = spawnCli(['echo', '127.0.0.1', port, '--count', '1000', '--interval', '10']);
    running.push(proc);
    proc.child.stdin.end();
    await proc.waitForStdout(/seq=1 /);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(EXIT.OK);
    expect(proc.stdout()).toMatch(/^1 probes, 1 replies, 0% loss\nrtt min/m);
  });
});

describe(`netchat echo usage errors [${CLI_RUNTIME}]`, () => {
  it.each([
    [['--udp', '--lines']],
    [['--count', '3']],
    [['--port', '70000']],
    [['127.0.0.1', '--count', '0']],
    [['127.0.0.1', '--max-clients', '3']],
    [['127.0.0.1', 'not-a-port']],
    [['127.0.0.1', '--interval', '1']],
    [['--max-line-bytes', '0']],
    [['--udp', '--max-replies-per-address', 'many']],
    [['127.0.0.1', '--max-replies-per-second', '5']],
  ])('exits 2 for echo %j', async (flags) => {
    const { code, stdout } = await runCli(['echo', ...flags]);
    expect(code).toBe(EXIT.USAGE);
    expect(stdout).toBe('');
  });

  it.each([
    [['--max-line-bytes', '0'], '--max-line-bytes must be at least 1, got 0'],
    [['--max-clients', '0'], '--max-clients must be at least 1, got 0'],
    [['127.0.0.1', '--timeout', '0'], '--timeout must be at least 0.001 seconds, got 0'],
  ])('names the flag for echo %j', async (flags, message) => {
    const { code, stderr } = await runCli(['echo', ...flags]);
    expect(code).toBe(EXIT.USAGE);
    expect(stderr).toContain(`error: ${message}\n`);
  });
});
