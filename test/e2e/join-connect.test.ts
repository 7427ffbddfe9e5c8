// How `join` reaches a server, as a croc or ssh user expects it: no questions when the command
// line says enough, the address on screen while connecting, a port that is not netchat named
// for what it is (exit 3, in a terminal and in a pipe), host:port and [v6]:port, and the short
// flags of nc and ping doing what they do there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { closeTmux, HAS_TMUX, netchatArgv, openShellPane, openPane as openTmuxPane, quote } from '../helpers/tmux-pane.ts';

/** A TCP server that is not netchat: it greets like sshd, answers the first line like a web server, or says nothing at all. */
async function foreignServer(kind: 'ssh' | 'http' | 'silent'): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    if (kind === 'ssh') socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    else if (kind === 'http') socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function ipv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

async function listening(args: string[]): Promise<{ process: CliProcess; port: number }> {
  const process = spawnCli(args);
  const [, port] = await process.waitForStderr(/listening on (?:127\.0\.0\.1|\[::1\]):(\d+)/);
  return { process, port: Number(port) };
}

describe(`netchat join reaching its server [${CLI_RUNTIME}]`, () => {
  const foreign: Array<{ close(): void }> = [];
  afterAll(() => foreign.forEach((server) => server.close()));

  it.each([
    ['an SSH banner', 'ssh', 'SSH-2.0-OpenSSH_9.2p1'],
    ['an HTTP reply', 'http', 'HTTP/1.1 400 Bad Request'],
  ] as const)('recognises a server that is not netchat by %s: exit 3, nothing on stdout', async (_, kind, said) => {
    const server = await foreignServer(kind);
    foreign.push(server);
    const result = await runCli(['join', 'bob', `127.0.0.1:${server.port}`], { input: 'hi\n' });
    expect(result.code, result.stderr).toBe(EXIT.CONNECT);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('not a netchat server: it said');
    expect(result.stderr).toContain(said);
  });

  it('gives up on a server that lets it in and never answers after --timeout, not a fixed 10 s', async () => {
    const server = await foreignServer('silent');
    foreign.push(server);
    const result = await runCli(['join', 'bob', `127.0.0.1:${server.port}`, '-w', '0.5'], { input: 'hi\n' });
    expect(result.code, result.stderr).toBe(EXIT.CONNECT);
    expect(result.stderr).toContain('within 500 ms');
  });

  it('send-file names a server that is not netchat, exits 3 and tries no further file', async () => {
    const server = await foreignServer('ssh');
    foreign.push(server);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-foreign-'));
    try {
      const files = ['a.txt', 'b.txt'].map((name) => path.join(dir, name));
      for (const file of files) writeFileSync(file, 'x');
      const result = await runCli(['send-file', ...files, `127.0.0.1:${server.port}`]);
      expect(result.code, result.stderr).toBe(EXIT.CONNECT);
      expect(result.stderr.match(/NOT_NETCHAT/g)).toHaveLength(1);
      expect(result.stderr).toContain('SSH-2.0-OpenSSH_9.2p1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says it in --json as a local NOT_NETCHAT error, then closed', async () => {
    const server = await foreignServer('ssh');
    foreign.push(server);
    const result = await runCli(['join', 'bob', '127.0.0.1', String(server.port), '-j'], { input: '' });
    expect(result.code, result.stderr).toBe(EXIT.CONNECT);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.type)).toEqual(['error', 'closed']);
    expect(events[0]).toMatchObject({ code: 'NOT_NETCHAT', local: true, message: 'not a netchat server: it said `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`' });
  });

  it('joins at host:port and [v6]:port, and writes an IPv6 address in brackets', async () => {
    const server = await listening(['serve', '--host', '127.0.0.1:0']);
    try {
      const result = await runCli(['join', 'hostport', `127.0.0.1:${server.port}`], { input: 'hi\n' });
      expect(result.code, result.stderr).toBe(EXIT.OK);
      expect(result.stderr).toContain(`joined 127.0.0.1:${server.port} as hostport`);
    } finally {
      server.process.child.kill('SIGTERM');
      await server.process.exited;
    }
    if (!(await ipv6Loopback())) return;
    const v6 = await listening(['serve', '--host', '[::1]:0']);
    try {
      const result = await runCli(['join', 'v6', `[::1]:${v6.port}`], { input: 'hi\n' });
      expect(result.code, result.stderr).toBe(EXIT.OK);
      expect(result.stderr).toContain(`joined [::1]:${v6.port} as v6`);
    } finally {
      v6.process.child.kill('SIGTERM');
      await v6.process.exited;
    }
  });

  it('serve -p PORT listens on PORT', async () => {
    const port = await freePort();
    const server = await listening(['serve', '--host', '127.0.0.1', '-p', String(port)]);
    server.process.child.kill('SIGTERM');
    await server.process.exited;
    expect(server.port).toBe(port);
  });

  it('echo HOST -c 2 sends two probes (2 is the count, not the port), to HOST:PORT or -p PORT', async () => {
    const port = await freePort();
    const server = await listening(['echo', '--host', '127.0.0.1', '-p', String(port)]);
    try {
      expect(server.port).toBe(port);
      for (const target of [[`127.0.0.1:${port}`], ['127.0.0.1', '-p', String(port)]]) {
        const result = await runCli(['echo', ...target, '-c', '2', '-i', '0.01', '-W', '5']);
        expect(result.code, result.stderr).toBe(EXIT.OK);
        expect(result.stdout).toContain('2 probes, 2 replies, 0% loss');
      }
    } finally {
      server.process.child.kill('SIGTERM');
      await server.process.exited;
    }
  });
});

const cliCommandLine = netchatArgv;

/** `netchat <args>` (or, `raw`, the command line as given) in a fresh pane; its screen is tested as one string. */
function openPane(args: string[], dir: string, { raw = false } = {}) {
  const pane = raw ? openShellPane(args.map(quote).join(' '), dir) : openTmuxPane(args, dir);
  return { ...pane, waitFor: (test: (text: string) => boolean, what: string) => pane.waitForText(test, what) };
}

const ttyTitle = HAS_TMUX ? `netchat join connecting in a terminal [${CLI_RUNTIME}]` : 'netchat join connecting in a terminal (skipped: no tmux)';

describe.skipIf(!HAS_TMUX)(ttyTitle, () => {
  let dir: string;
  let server: CliProcess;
  let port: number;
  const foreign: Array<{ close(): void }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-connect-'));
    ({ process: server, port } = await listening(['serve', '--host', '127.0.0.1', '--port', '0']));
  });
  afterAll(async () => {
    foreign.forEach((each) => each.close());
    closeTmux();
    server?.child.kill('SIGTERM');
    await server?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('join NAME asks nothing: it goes to the default address and shows it', async () => {
    // Whatever is (or is not) on the default port, the address shows and no question does.
    const pane = openPane(['join', 'nobody-asked'], dir);
    await pane.waitFor((text) => text.includes('127.0.0.1:12000'), 'the default address');
    expect(pane.screen().join('\n')).not.toMatch(/Server address|Server port|Your name/);
    pane.kill();
  });

  it('asks only for the name, offering the login name, and joins with it', async () => {
    const login = 'tester7';
    const pane = openPane(['env', `USER=${login}`, ...cliCommandLine(['join', '', `127.0.0.1:${port}`])], dir, { raw: true });
    await pane.waitFor((text) => text.includes('Your name') && text.includes(login), 'the name prompt with the login name');
    pane.key('Enter');
    await pane.waitFor((text) => text.includes(`Joined 127.0.0.1:${port} as ${login}`), 'the join');
    expect(pane.screen().join('\n')).not.toMatch(/Server address|Server port/);
    pane.key('C-d');
    expect(await pane.exitCode()).toBe(EXIT.OK);
  });

  it('names a server that is not netchat and exits 3', async () => {
    const ssh = await foreignServer('ssh');
    foreign.push(ssh);
    const pane = openPane(['join', 'bob', `127.0.0.1:${ssh.port}`], dir);
    expect(await pane.exitCode()).toBe(EXIT.CONNECT);
    expect(pane.screen().join('\n')).toContain('not a netchat server: it said `SSH-2.0-OpenSSH_9.2p1');
  });
});
