// `netchat echo` over TLS, under every runtime: the server's certificate made once in
// --state-dir, the client's trust on first use, a changed certificate refused (exit 8), pins,
// the wrong port both ways, and TLS refused over UDP.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_exit.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';

const running: CliProcess[] = [];
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-e2e-echo-tls-'));
});

afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await fs.rm(dir, { recursive: true, force: true });
});

interface EchoServer {
  proc: CliProcess;
  port: number;
  fingerprint: string;
}

async function echoTls(state: string, ...flags: string[]): Promise<EchoServer> {
  const proc = spawnCli(['echo', '--tls', '--host', '127.0.0.1', '--port', '0', '--state-dir', state, ...flags]);
  running.push(proc);
  const [, fingerprint] = await proc.waitForStderr(/TLS certificate (sha256:[0-9a-f]{64})\n/);
  const [, port] = await proc.waitForStderr(/listening on 127\.0\.0\.1:(\d+) \(tcp with TLS, /);
  return { proc, port: Number(port), fingerprint: fingerprint! };
}

async function stop(proc: CliProcess): Promise<void> {
  proc.child.kill('SIGTERM');
  await proc.exited;
}

/** What the certificate file in the state folder says its fingerprint is. */
async function fileFingerprint(state: string): Promise<string> {
  const pem = await fs.readFile(path.join(state, 'tls-certificate.pem'), 'utf8');
  return `sha256:${new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase()}`;
}

describe(`netchat echo over TLS [${CLI_RUNTIME}]`, () => {
  it('echoes stdin and probes inside TLS, trusting the certificate on first use; the certificate is made once in --state-dir', async () => {
    const state = path.join(dir, 'server');
    const server = await echoTls(state);
    expect(server.proc.stderr()).toContain('made a self-signed TLS certificate');
    expect(server.fingerprint).toBe(await fileFingerprint(state));
    expect((await fs.stat(path.join(state, 'tls-key.pem'))).mode & 0o777).toBe(0o600);

    const clientState = path.join(dir, 'client');
    const streamed = await runCli(['echo', `netchats://127.0.0.1:${server.port}`, '--state-dir', clientState], { input: 'hello over TLS' });
    expect(streamed.code, streamed.stderr).toBe(EXIT.OK);
    expect(streamed.stdout).toMatch(/^\d+\.\d{6}:hello over TLS$/);
    expect(streamed.stderr).toContain(`first TLS connection to 127.0.0.1:${server.port}: trusting its certificate ${server.fingerprint}`);
    expect(await fs.readFile(path.join(clientState, 'known_hosts'), 'utf8')).toBe(`127.0.0.1:${server.port} ${server.fingerprint}\n`);

    const probed = await runCli(['echo', '127.0.0.1', String(server.port), '--tls', '--count', '2', '--interval', '0', '--state-dir', clientState]);
    expect(probed.code, probed.stderr).toBe(EXIT.OK);
    expect(probed.stdout).toContain('2 probes, 2 replies, 0% loss');
    expect(probed.stderr).not.toContain('first TLS connection');

    await stop(server.proc);
    const again = await echoTls(state, '--lines');
    expect(again.fingerprint).toBe(server.fingerprint);
    expect(again.proc.stderr()).not.toContain('made a self-signed TLS certificate');
    const lines = await runCli(['echo', `netchats://127.0.0.1:${again.port}`, '--lines', '--fingerprint', again.fingerprint], { input: 'one\ntwo\n' });
    expect(lines.code, lines.stderr).toBe(EXIT.OK);
    expect(lines.stdout).toMatch(/^\d+\.\d{6}:one\n\d+\.\d{6}:two\n$/);
  });

  it('refuses a second server with another certificate on a host:port trusted before, exit 8, sending nothing', async () => {
    const clientState = path.join(dir, 'client');
    const genuine = await echoTls(path.join(dir, 'genuine'));
    const trusted = await runCli(['echo', `netchats://127.0.0.1:${genuine.port}`, '--count', '1', '--state-dir', clientState]);
    expect(trusted.code, trusted.stderr).toBe(EXIT.OK);
    await stop(genuine.proc);

    const impostor = await echoTls(path.join(dir, 'impostor'), '--port', String(genuine.port));
    expect(impostor.port).toBe(genuine.port);
    expect(impostor.fingerprint).not.toBe(genuine.fingerprint);
    for (const input of [{ args: ['--count', '1'] }, { args: [], input: 'secret' }]) {
      const refused = await runCli(['echo', `netchats://127.0.0.1:${genuine.port}`, ...input.args, '--state-dir', clientState], input.input === undefined ? {} : { input: input.input });
      expect(refused.code, refused.stderr).toBe(EXIT.TLS_UNTRUSTED);
      expect(refused.stderr).toContain('WARNING: SERVER CERTIFICATE HAS CHANGED!');
      expect(refused.stderr).toContain(impostor.fingerprint);
      expect(refused.stderr).toContain(genuine.fingerprint);
      expect(refused.stdout).toBe('');
    }
    // Each refused client finished its handshake, then closed without a byte of data.
    await impostor.proc.waitForStderr(/disconnect 127\.0\.0\.1:\d+: [^\n]*\(0 bytes in[^]*disconnect 127\.0\.0\.1:\d+: [^\n]*\(0 bytes in/);
    expect(impostor.proc.stderr()).not.toMatch(/\([1-9]\d* bytes in/);
    expect(await fs.readFile(path.join(clientState, 'known_hosts'), 'utf8')).toBe(`127.0.0.1:${genuine.port} ${genuine.fingerprint}\n`);
  });

  it('--fingerprint accepts the pinned certificate and refuses any other (exit 8), without touching known hosts; --insecure checks nothing', async () => {
    const server = await echoTls(path.join(dir, 'server'));
    const clientState = path.join(dir, 'client');
    const address = `127.0.0.1:${server.port}`;
    const pinned = await runCli(['echo', address, '--fingerprint', server.fingerprint, '--count', '1', '--state-dir', clientState]);
    expect(pinned.code, pinned.stderr).toBe(EXIT.OK);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const refused = await runCli(['echo', address, '--fingerprint', wrong, '--count', '1', '--state-dir', clientState]);
    expect(refused.code, refused.stderr).toBe(EXIT.TLS_UNTRUSTED);
    expect(refused.stderr).toContain(`is ${server.fingerprint}, not ${wrong}`);
    expect(refused.stdout).toBe('');
    await expect(fs.stat(path.join(clientState, 'known_hosts'))).rejects.toThrow();
    const insecure = await runCli(['echo', address, '--insecure', '--count', '1', '--state-dir', clientState]);
    expect(insecure.code, insecure.stderr).toBe(EXIT.OK);
    await expect(fs.stat(path.join(clientState, 'known_hosts'))).rejects.toThrow();
  });

  it('a plain client on the TLS port is told TLS_REQUIRED (--lines) and a TLS client on a plain port hears the server does not speak TLS', async () => {
    const server = await echoTls(path.join(dir, 'server'), '--lines');
    const told = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port }, () => socket.write('hello\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(told).toMatch(/^ERROR TLS_REQUIRED .+\n$/);
    await server.proc.waitForStderr(/TLS: 127\.0\.0\.1:\d+ spoke plain TCP to the TLS port/);

    const plain = spawnCli(['echo', '--host', '127.0.0.1', '--port', '0']);
    running.push(plain);
    const [, port] = await plain.waitForStderr(/listening on 127\.0\.0\.1:(\d+) \(tcp, /);
    const tlsOnPlain = await runCli(['echo', `netchats://127.0.0.1:${port}`, '--insecure', '--count', '1']);
    expect(tlsOnPlain.code, tlsOnPlain.stderr).toBe(EXIT.CONNECT);
    expect(tlsOnPlain.stderr).toContain('does not speak TLS');
  });

  it.each([
    [['echo', '--udp', '--tls']],
    [['echo', '--udp', '--tls-cert', 'cert.pem', '--tls-key', 'key.pem']],
    [['echo', '127.0.0.1', '--udp', '--tls', '--count', '1']],
    [['echo', 'netchats://127.0.0.1:9', '--udp', '--count', '1']],
    [['echo', '127.0.0.1', '-u', '--fingerprint', `sha256:${'0'.repeat(64)}`, '--count', '1']],
  ])('TLS over UDP is a usage error: %j', async (args) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stderr).toContain('UDP echo stays plain');
    expect(result.stdout).toBe('');
  });

  it.each([
    [['echo', '--fingerprint', `sha256:${'0'.repeat(64)}`], '--fingerprint is for client mode'],
    [['echo', '--insecure'], '--insecure is for client mode'],
    [['echo', '127.0.0.1', '--tls-cert', 'cert.pem'], '--tls-cert is for server mode'],
    [['echo', '--tls-cert', 'cert.pem'], '--tls-cert and --tls-key need --tls'],
  ])('each TLS flag belongs to its mode: %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
    expect(result.stderr).toContain(message);
  });
});
