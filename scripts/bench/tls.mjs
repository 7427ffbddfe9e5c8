// TLS against plain, and against the usual TLS tools, side by side in one run (Node from dist/):
//
//   1. chat fan-out: one sender, --receivers users, --messages broadcasts; deliveries per second
//      with everyone on the TLS port vs everyone on the plain port of the same server (target ≥ 0.7×)
//   2. a --size download (default 1 GiB): `join /download` over TLS vs socat OPENSSL on both
//      ends (target ≥ 0.8×); spawn to exit, the file checked by size
//   3. a --udp-size UDP transfer (default 256 MiB): sealed (serve --tls) vs plain (target ≥ 0.6×)
//   4. TLS handshakes per second against `serve --tls` vs stunnel4 in front of a bare echo
//      server, --handshakes each, --concurrency at once (target ≥ 1.0×)
//
//   node scripts/bench/tls.mjs [--size 1g] [--udp-size 256m] [--receivers 100] [--messages 2000]
//                              [--handshakes 2000] [--concurrency 16] [--rounds 1]
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { freePort, makeTempDir, removeTempDir } from './lib/processes.mjs';
import { parseSize, writeGeneratedFile } from './lib/generated-files.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { NETCHAT_BENCH_FLAGS, ROOT } from './lib/targets.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1g' },
    'udp-size': { type: 'string', default: '256m' },
    receivers: { type: 'string', default: '100' },
    messages: { type: 'string', default: '2000' },
    handshakes: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '1' },
  },
});
const CLI = path.join(ROOT, 'dist/cli.mjs');
const rounds = Number(values.rounds);
const work = makeTempDir('netchat-bench-tls-');
const children = new Set();
const log = (line) => process.stderr.write(`${line}\n`);

function start(command, args, ready) {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${err}`)), 60_000);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      err += chunk;
      const match = ready.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, stderr: () => err });
      }
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${err}`)));
  });
}

function run(command, args, input) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  child.stdin.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${path.basename(command)} exited ${code}: ${err}`))));
  });
}

/** `serve` with its ports read from its log (not --quiet). */
async function serveLogged(flags, shared) {
  const state = path.join(work, `state-${Math.random().toString(16).slice(2)}`);
  const server = await start(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', shared, '--state-dir', state, ...NETCHAT_BENCH_FLAGS, '--connect-rate', '0', ...flags], /listening on \S+:(\d+)\n(?:.*\n)*?.*TLS on \S+:(\d+)/);
  return { child: server.child, port: Number(server.match[1]), tlsPort: Number(server.match[2]), state };
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return new Promise((resolve) => child.on('exit', resolve));
}

// 1. Fan-out ------------------------------------------------------------------------------------

function chatClient(port, secure) {
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect({ host: '127.0.0.1', port });
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function fanout(ports, secure, receivers, messages) {
  const port = secure ? ports.tlsPort : ports.port;
  const clients = [];
  for (let i = 0; i < receivers + 1; i++) clients.push(await chatClient(port, secure));
  let delivered = 0;
  const total = receivers * messages;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const registered = [];
  clients.forEach((socket, i) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let welcomed;
    registered.push(new Promise((resolve) => (welcomed = resolve)));
    socket.on('data', (chunk) => {
      buffer += chunk;
      let lf;
      while ((lf = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, lf);
        buffer = buffer.slice(lf + 1);
        if (line.startsWith('[Server] Welcome')) welcomed();
        else if (i > 0 && line.startsWith('[Broadcast] s0:') && ++delivered === total) done();
      }
    });
    socket.write(`JOIN ${i === 0 ? 's0' : `r${i}`}\n`);
  });
  await Promise.all(registered);
  const started = performance.now();
  const sender = clients[0];
  for (let m = 0; m < messages; m++) sender.write(`BROADCAST message ${m} ${'x'.repeat(40)}\n`);
  await finished;
  const seconds = (performance.now() - started) / 1000;
  for (const socket of clients) socket.destroy();
  return total / seconds;
}

// 2. Download: netchat over TLS vs socat OPENSSL -----------------------------------------------

async function netchatTlsDownload(ports, name, size) {
  const dir = path.join(work, `dl-${Math.random().toString(16).slice(2)}`);
  const ms = await run(process.execPath, [CLI, 'join', `d${Math.floor(Math.random() * 1e6)}`, `netchats://127.0.0.1:${ports.port}`, '--insecure', '--download-dir', dir, '--quiet'], `/download ${name} --tcp\n`);
  if (statSync(path.join(dir, name)).size !== size) throw new Error('netchat TLS download: wrong size');
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** socat OPENSSL-LISTEN serving `source` to every connection (fork), ready once it accepts. */
async function startSocatTlsServer(source, certificate, key) {
  const port = await freePort();
  const server = spawn('socat', ['-b', '131072', '-u', `FILE:${source}`, `OPENSSL-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,cert=${certificate},key=${key},verify=0`], { stdio: 'ignore' });
  children.add(server);
  for (let tries = 0; ; tries++) {
    const open = await new Promise((resolve) => {
      const probe = net.connect(port, '127.0.0.1');
      probe.once('connect', () => (probe.destroy(), resolve(true))).once('error', () => resolve(false));
    });
    if (open) return { port, child: server };
    if (tries > 200) throw new Error('socat did not start listening');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function socatTlsDownload(port, size) {
  const out = path.join(work, `socat-${Math.random().toString(16).slice(2)}.bin`);
  const ms = await run('socat', ['-b', '131072', '-u', `OPENSSL:127.0.0.1:${port},verify=0`, `CREATE:${out}`]);
  if (statSync(out).size !== size) throw new Error('socat download: wrong size');
  rmSync(out, { force: true });
  return ms;
}

// 3. UDP: sealed vs plain ----------------------------------------------------------------------

async function udpDownload(port, secure, name, size) {
  const dir = path.join(work, `udp-${Math.random().toString(16).slice(2)}`);
  const address = secure ? `netchats://127.0.0.1:${port}` : `127.0.0.1:${port}`;
  const ms = await run(process.execPath, [CLI, 'join', `u${Math.floor(Math.random() * 1e6)}`, address, ...(secure ? ['--insecure'] : []), '--download-dir', dir, '--quiet'], `/download ${name} --udp\n`);
  if (statSync(path.join(dir, name)).size !== size) throw new Error('UDP download: wrong size');
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

// 4. Handshakes per second -----------------------------------------------------------------------

async function handshakes(port, count, concurrency) {
  let started = 0;
  const begin = performance.now();
  const worker = async () => {
    while (started < count) {
      started++;
      await new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
        socket.once('secureConnect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - begin) / 1000);
}

async function stunnelHandshakes(certificate, key, count, concurrency) {
  const echo = await start(process.execPath, [path.join(ROOT, 'scripts/bench/reference/bare-echo.mjs'), '--port', '0'], /listening on \S+:(\d+)/);
  const port = await freePort();
  const config = path.join(work, 'stunnel.conf');
  writeFileSync(config, `foreground = yes\npid =\nsyslog = no\ndebug = 5\n[echo]\naccept = 127.0.0.1:${port}\nconnect = 127.0.0.1:${echo.match[1]}\ncert = ${certificate}\nkey = ${key}\n`);
  const stunnel = await start('stunnel4', [config], /Configuration successful/);
  try {
    return await handshakes(port, count, concurrency);
  } finally {
    await stop(stunnel.child);
    await stop(echo.child);
  }
}

// ----------------------------------------------------------------------------------------------

async function main() {
  const size = parseSize(values.size, '--size');
  const udpSize = parseSize(values['udp-size'], '--udp-size');
  const shared = path.join(work, 'shared');
  mkdirSync(shared, { recursive: true });
  log(`writing ${fmt(size / 2 ** 20, 0)} MiB and ${fmt(udpSize / 2 ** 20, 0)} MiB files…`);
  writeGeneratedFile(path.join(shared, 'big.bin'), size);
  writeGeneratedFile(path.join(shared, 'udp.bin'), udpSize);
  const rows = [];

  const both = await serveLogged(['--tls-port', '0'], shared);
  const certificate = path.join(both.state, 'tls-certificate.pem');
  const key = path.join(both.state, 'tls-key.pem');
  try {
    const receivers = Number(values.receivers);
    const messages = Number(values.messages);
    const plain = [];
    const secure = [];
    for (let round = 0; round < rounds; round++) {
      plain.push(await fanout(both, false, receivers, messages));
      secure.push(await fanout(both, true, receivers, messages));
      log(`fan-out round ${round + 1}: plain ${fmt(plain.at(-1), 0)}/s, TLS ${fmt(secure.at(-1), 0)}/s`);
    }
    rows.push(['chat fan-out (deliveries/s)', fmt(median(secure), 0), fmt(median(plain), 0), 'plain TCP, same server', fmt(median(secure) / median(plain)), '≥ 0.7']);
  } finally {
    await stop(both.child);
  }

  const tlsOnly = await serveLogged(['--tls'], shared);
  try {
    const ours = [];
    const theirs = [];
    const socat = await startSocatTlsServer(path.join(shared, 'big.bin'), certificate, key);
    for (let round = 0; round < rounds; round++) {
      ours.push(size / 2 ** 20 / ((await netchatTlsDownload(tlsOnly, 'big.bin', size)) / 1000));
      theirs.push(size / 2 ** 20 / ((await socatTlsDownload(socat.port, size)) / 1000));
      log(`download round ${round + 1}: netchat TLS ${fmt(ours.at(-1), 0)} MiB/s, socat OPENSSL ${fmt(theirs.at(-1), 0)} MiB/s`);
    }
    await stop(socat.child);
    rows.push([`${fmt(size / 2 ** 20, 0)} MiB download over TLS (MiB/s)`, fmt(median(ours), 0), fmt(median(theirs), 0), 'socat OPENSSL both ends', fmt(median(ours) / median(theirs)), '≥ 0.8']);

    const plainServer = await serveLogged(['--tls-port', '0'], shared);
    try {
      const sealed = [];
      const open = [];
      for (let round = 0; round < rounds; round++) {
        sealed.push(udpSize / 2 ** 20 / ((await udpDownload(tlsOnly.port, true, 'udp.bin', udpSize)) / 1000));
        open.push(udpSize / 2 ** 20 / ((await udpDownload(plainServer.port, false, 'udp.bin', udpSize)) / 1000));
        log(`UDP round ${round + 1}: sealed ${fmt(sealed.at(-1), 0)} MiB/s, plain ${fmt(open.at(-1), 0)} MiB/s`);
      }
      rows.push([`${fmt(udpSize / 2 ** 20, 0)} MiB UDP transfer (MiB/s)`, fmt(median(sealed), 0), fmt(median(open), 0), 'plain datagrams', fmt(median(sealed) / median(open)), '≥ 0.6']);
    } finally {
      await stop(plainServer.child);
    }

    const count = Number(values.handshakes);
    const concurrency = Number(values.concurrency);
    const ourRates = [];
    const stunnelRates = [];
    for (let round = 0; round < rounds; round++) {
      ourRates.push(await handshakes(tlsOnly.port, count, concurrency));
      stunnelRates.push(await stunnelHandshakes(certificate, key, count, concurrency));
      log(`handshakes round ${round + 1}: netchat ${fmt(ourRates.at(-1), 0)}/s, stunnel4 ${fmt(stunnelRates.at(-1), 0)}/s`);
    }
    rows.push(['TLS handshakes/s', fmt(median(ourRates), 0), fmt(median(stunnelRates), 0), 'stunnel4 + bare echo', fmt(median(ourRates) / median(stunnelRates)), '≥ 1.0']);
  } finally {
    await stop(tlsOnly.child);
  }

  const commit = execFileSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  console.log(`netchat ${commit}, Node ${process.version}, ${rounds} round(s), medians\n`);
  console.log(table(['', 'netchat TLS', 'reference', 'reference is', 'ratio', 'target'], rows));
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGKILL');
  removeTempDir(work);
}
