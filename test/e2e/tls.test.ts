// TLS as users meet it, under every runtime: `serve --tls` and `--tls-port`, `join` and
// `send-file` over TLS, trust on first use and a changed certificate, pins, a certificate
// authority, the wrong port both ways, and the handshake timeout and per-address limit.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_exit.ts';
import { createCertificate } from '../../src/runtime/self-signed-certificate.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const running: CliProcess[] = [];
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-e2e-tls-'));
});

afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await fs.rm(dir, { recursive: true, force: true });
});

interface Served {
  proc: CliProcess;
  port: number;
  tlsPort: number;
  fingerprint: string;
}

async function serve(state: string, ...flags: string[]): Promise<Served> {
  const proc = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', path.join(dir, 'shared'), '--state-dir', state, ...flags]);
  running.push(proc);
  const [, fingerprint] = await proc.waitForStderr(/TLS certificate (sha256:[0-9a-f]{64})\n/);
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/);
  const [, tlsPort] = await proc.waitForStderr(/TLS on (?:\S+):(\d+) /);
  return { proc, port: Number(port), tlsPort: Number(tlsPort), fingerprint: fingerprint! };
}

async function stop(proc: CliProcess): Promise<void> {
  proc.child.kill('SIGTERM');
  await proc.exited;
}

/** A user on the plain port, joined, reading what a TLS user says. */
async function plainUser(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

describe(`TLS [${CLI_RUNTIME}]`, () => {
  it('serve --tls-port makes its certificate once (key 0600), logs its fingerprint at every start, and TLS and plain users share one chat', async () => {
    const state = path.join(dir, 'state');
    const first = await serve(state, '--tls-port', '0');
    expect(first.proc.stderr()).toContain('made a self-signed TLS certificate');
    expect((await fs.stat(path.join(state, 'tls-key.pem'))).mode & 0o777).toBe(0o600);
    const bob = await plainUser(first.port, 'bob');
    try {
      const clientState = path.join(dir, 'client');
      const alice = await runCli(['join', 'alice', `netchats://127.0.0.1:${first.tlsPort}`, '--state-dir', clientState], { input: 'hello over TLS\n' });
      expect(alice.code, alice.stderr).toBe(EXIT.OK);
      expect(alice.stderr).toContain(`first TLS connection to 127.0.0.1:${first.tlsPort}: trusting its certificate ${first.fingerprint}`);
      await bob.waitForLine('[Broadcast] alice: hello over TLS');
      expect(await fs.readFile(path.join(clientState, 'known_hosts'), 'utf8')).toBe(`127.0.0.1:${first.tlsPort} ${first.fingerprint}\n`);
    } finally {
      bob.socket.destroy();
    }
    await stop(first.proc);
    const again = await serve(state, '--tls');
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.proc.stderr()).not.toContain('made a self-signed TLS certificate');
    expect(again.tlsPort).toBe(again.port);
  });

  it('refuses a different certificate on a known host:port before sending anything (man in the middle), exit 7', async () => {
    const clientState = path.join(dir, 'client');
    const genuine = await serve(path.join(dir, 'genuine'), '--tls');
    const trusted = await runCli(['join', 'alice', '127.0.0.1', String(genuine.port), '--tls', '--state-dir', clientState], { input: 'hi\n' });
    expect(trusted.code, trusted.stderr).toBe(EXIT.OK);
    await stop(genuine.proc);

    const impostor = await serve(path.join(dir, 'impostor'), '--tls', '--port', String(genuine.port));
    expect(impostor.port).toBe(genuine.port);
    expect(impostor.fingerprint).not.toBe(genuine.fingerprint);
    const refused = await runCli(['join', 'alice', `netchats://127.0.0.1:${genuine.port}`, '--state-dir', clientState], { input: 'secret\n' });
    expect(refused.code, refused.stderr).toBe(EXIT.TLS_UNTRUSTED);
    expect(refused.stderr).toContain('WARNING: SERVER CERTIFICATE HAS CHANGED!');
    // The warning keeps its lines: none is run into the next with U+FFFD.
    expect(refused.stderr).not.toContain('\uFFFD');
    expect(refused.stderr).toMatch(/^.*IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\s*$/m);
    expect(refused.stderr).toContain(impostor.fingerprint);
    expect(refused.stderr).toContain(genuine.fingerprint);
    // The impostor never saw a chat line: nobody registered.
    expect(impostor.proc.stderr()).not.toMatch(/joined as/);

    const upload = path.join(dir, 'a.txt');
    await fs.writeFile(upload, 'not for the impostor');
    const sent = await runCli(['send-file', upload, `netchats://127.0.0.1:${genuine.port}`, '--state-dir', clientState]);
    expect(sent.code, sent.stderr).toBe(EXIT.TLS_UNTRUSTED);
    await expect(fs.readdir(path.join(dir, 'shared'))).resolves.not.toContain('a.txt');
  });

  it('--fingerprint accepts the pinned certificate and refuses any other, without touching known hosts', async () => {
    const server = await serve(path.join(dir, 'state'), '--tls');
    const clientState = path.join(dir, 'client');
    const pinned = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.port}`, '--fingerprint', server.fingerprint, '--state-dir', clientState], { input: 'hi\n' });
    expect(pinned.code, pinned.stderr).toBe(EXIT.OK);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const refused = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.port}`, '--fingerprint', wrong, '--state-dir', clientState], { input: 'hi\n' });
    expect(refused.code, refused.stderr).toBe(EXIT.TLS_UNTRUSTED);
    expect(refused.stderr).toContain(`is ${server.fingerprint}, not ${wrong}`);
    await expect(fs.stat(path.join(clientState, 'known_hosts'))).rejects.toThrow();
    const insecure = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.port}`, '--insecure', '--state-dir', clientState], { input: 'hi\n' });
    expect(insecure.code, insecure.stderr).toBe(EXIT.OK);
  });

  it('a CA-signed certificate (--tls-cert/--tls-key) is checked against --tls-ca, host name included', async () => {
    const authority = createCertificate({ commonName: 'netchat test CA', isAuthority: true, altNames: [] });
    const issuer = { commonName: authority.commonName, privateKeyPem: authority.privateKeyPem };
    const right = createCertificate({ commonName: 'right', altNames: ['127.0.0.1'], issuer });
    const wrong = createCertificate({ commonName: 'wrong', altNames: ['elsewhere.example'], issuer });
    const files = async (name: string, issued: typeof right) => {
      await fs.writeFile(path.join(dir, `${name}.pem`), issued.certificatePem);
      await fs.writeFile(path.join(dir, `${name}.key`), issued.privateKeyPem, { mode: 0o600 });
      return ['--tls-cert', path.join(dir, `${name}.pem`), '--tls-key', path.join(dir, `${name}.key`)];
    };
    await fs.writeFile(path.join(dir, 'ca.pem'), authority.certificatePem);
    const clientState = path.join(dir, 'client');
    const good = await serve(path.join(dir, 's1'), '--tls', ...(await files('right', right)));
    expect(good.fingerprint).toBe(`sha256:${right.fingerprint256}`);
    const verified = await runCli(['join', 'alice', `netchats://127.0.0.1:${good.port}`, '--tls-ca', path.join(dir, 'ca.pem'), '--state-dir', clientState], { input: 'hi\n' });
    expect(verified.code, verified.stderr).toBe(EXIT.OK);
    expect(verified.stderr).not.toContain('first TLS connection');

    const bad = await serve(path.join(dir, 's2'), '--tls', ...(await files('wrong', wrong)));
    const refused = await runCli(['join', 'alice', `netchats://127.0.0.1:${bad.port}`, '--tls-ca', path.join(dir, 'ca.pem'), '--state-dir', clientState], { input: 'hi\n' });
    expect(refused.code, refused.stderr).toBe(EXIT.TLS_UNTRUSTED);
    expect(refused.stderr).toContain('does not verify against the given authorities');
    expect(bad.proc.stderr()).not.toMatch(/joined as/);
  });

  it('SIGHUP reloads the certificate files for new connections without dropping anyone', async () => {
    const first = createCertificate({ altNames: ['127.0.0.1'] });
    const second = createCertificate({ altNames: ['127.0.0.1'] });
    const cert = path.join(dir, 'server.pem');
    const key = path.join(dir, 'server.key');
    await fs.writeFile(cert, first.certificatePem);
    await fs.writeFile(key, first.privateKeyPem);
    const server = await serve(path.join(dir, 'state'), '--tls-port', '0', '--tls-cert', cert, '--tls-key', key);
    const bob = await plainUser(server.port, 'bob');
    try {
      await fs.writeFile(cert, second.certificatePem);
      await fs.writeFile(key, second.privateKeyPem);
      server.proc.child.kill('SIGHUP');
      await server.proc.waitForStderr(/TLS certificate reloaded/);
      const pinned = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.tlsPort}`, '--fingerprint', `sha256:${second.fingerprint256}`], { input: 'after reload\n' });
      expect(pinned.code, pinned.stderr).toBe(EXIT.OK);
      await bob.waitForLine('[Broadcast] alice: after reload');
      expect(bob.closed).toBe(false);
    } finally {
      bob.socket.destroy();
    }
  });

  it('a plain client on the TLS port and a TLS client on the plain port both hear why, on both sides', async () => {
    const server = await serve(path.join(dir, 'state'), '--tls-port', '0');
    const plainOnTls = await runCli(['join', 'alice', '127.0.0.1', String(server.tlsPort)], { input: 'hi\n' });
    expect(plainOnTls.code, plainOnTls.stderr).toBe(EXIT.CONNECT);
    expect(plainOnTls.stderr).toContain('TLS_REQUIRED');
    await server.proc.waitForStderr(/spoke plain TCP to the TLS port/);

    const tlsOnPlain = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.port}`, '--insecure'], { input: 'hi\n' });
    expect(tlsOnPlain.code, tlsOnPlain.stderr).toBe(EXIT.CONNECT);
    expect(tlsOnPlain.stderr).toContain('does not speak TLS');
    await server.proc.waitForStderr(/began a TLS handshake on the plain port/);
  });

  it('drops a handshake that never finishes, and counts handshakes against max-per-ip (at the limit and one past)', async () => {
    const server = await serve(path.join(dir, 'state'), '--tls', '--tls-handshake-timeout', '1', '--max-per-ip', '2', '--connect-rate', '0');
    const silent = await Promise.all([0, 1].map(() => openSilent(server.port)));
    const pastLimit = await openSilent(server.port);
    // The one past the limit is closed at once; the two at it only when their handshake times out.
    await pastLimit.closed;
    await server.proc.waitForStderr(/refused 127\.0\.0\.1:\d+: TOO_MANY_CONNECTIONS/);
    await Promise.all(silent.map((peer) => peer.closed));
    await server.proc.waitForStderr(/did not finish its TLS handshake in time[^]*did not finish its TLS handshake in time/);
    const joined = await runCli(['join', 'alice', `netchats://127.0.0.1:${server.port}`, '--insecure'], { input: 'hi\n' });
    expect(joined.code, joined.stderr).toBe(EXIT.OK);
  });

  it('uploads and downloads byte-exact inside TLS (send-file, and join /download and /upload)', async () => {
    const server = await serve(path.join(dir, 'state'), '--tls');
    const clientState = path.join(dir, 'client');
    const big = randomBytes(3 * 1024 * 1024 + 7);
    await fs.writeFile(path.join(dir, 'big.bin'), big);
    const sent = await runCli(['send-file', path.join(dir, 'big.bin'), `netchats://127.0.0.1:${server.port}`, '--state-dir', clientState]);
    expect(sent.code, sent.stderr).toBe(EXIT.OK);
    expect(sent.stdout).toContain(`big.bin\t${big.length}\t${sha(big)}`);

    const small = randomBytes(100_003);
    await fs.writeFile(path.join(dir, 'small.bin'), small);
    const downloads = path.join(dir, 'downloads');
    const joined = await runCli(['join', 'bob', `netchats://127.0.0.1:${server.port}`, '--state-dir', clientState, '--download-dir', downloads], {
      input: `/download big.bin\n/upload ${path.join(dir, 'small.bin')}\n`,
    });
    expect(joined.code, joined.stderr).toBe(EXIT.OK);
    expect(sha(await fs.readFile(path.join(downloads, 'big.bin')))).toBe(sha(big));
    expect(sha(await fs.readFile(path.join(dir, 'shared', 'small.bin')))).toBe(sha(small));

    // Over UDP, controlled inside TLS: the datagrams are sealed.
    const udpDownloads = path.join(dir, 'udp-downloads');
    const overUdp = await runCli(['join', 'carol', `netchats://127.0.0.1:${server.port}`, '--udp', '--state-dir', clientState, '--download-dir', udpDownloads], {
      input: '/download big.bin\n',
    });
    expect(overUdp.code, overUdp.stderr).toBe(EXIT.OK);
    expect(sha(await fs.readFile(path.join(udpDownloads, 'big.bin')))).toBe(sha(big));
    await server.proc.waitForStderr(/carol \(127\.0\.0\.1\) downloaded big\.bin over UDP/);
  });
});

/** A TCP connection that sends nothing: a TLS handshake that never starts. */
function openSilent(port: number): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      const closed = new Promise<void>((done) => socket.on('close', () => done()));
      running.push({ child: { kill: () => socket.destroy() }, exited: closed } as unknown as CliProcess);
      resolve({ closed });
    });
    socket.on('error', reject);
  });
}
