// Web client benchmark, two parts in one run against one `netchat serve --web` (Node, from
// dist/):
//
//  1. Fan-out: R receivers over WebSocket, then R receivers over TCP, on the same server; one
//     TCP sender broadcasts M messages with at most W not yet delivered to every receiver.
//     Reported: deliveries per second for each, and WebSocket / TCP (target ≥ 0.7×).
//  2. Download: one 1 GiB file over HTTP with curl, from netchat's web port and from a static
//     file server (python3 -m http.server; nginx is not installed here) serving the same
//     folder. Reported: MB/s for each, and netchat / static (target ≥ 0.8×).
//
//   npm run build && node scripts/bench/web.mjs [--receivers 500] [--messages 2000]
//       [--window 200] [--size-mib 1024] [--repeat 3]
//
// The receivers run in this process, equally lean for both transports (TCP: split lines;
// WebSocket: read frame headers; no library in between). Every child is killed when the
// script exits.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTempDir } from './lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opts } = parseArgs({
  options: {
    receivers: { type: 'string', default: '500' },
    messages: { type: 'string', default: '2000' },
    window: { type: 'string', default: '200' },
    'size-mib': { type: 'string', default: '1024' },
    repeat: { type: 'string', default: '3' },
  },
});
const R = Number(opts.receivers);
const M = Number(opts.messages);
const W = Number(opts.window);
const SIZE = Number(opts['size-mib']) * 1024 * 1024;
const REPEAT = Number(opts.repeat);

const children = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

function startChild(command, args, ready, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const check = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve({ child, match });
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${output}`)));
  });
}

// ---- 1. fan-out -----------------------------------------------------------------------------

/** A receiver's line counting, shared by both transports: message number → receivers that have it. */
function tracker() {
  const got = new Map();
  let waiters = [];
  return {
    got,
    deliver(line) {
      const match = / m(\d+) /.exec(line);
      if (!match) return;
      const n = Number(match[1]);
      const count = (got.get(n) ?? 0) + 1;
      got.set(n, count);
      if (count === R) {
        got.delete(n);
        const ready = waiters;
        waiters = [];
        ready.forEach((w) => w());
      }
    },
    get outstanding() {
      return got.size;
    },
    onComplete: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

/** One masked text frame from a client (RFC 6455 §5.3); short messages only. */
function clientFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
  return frame;
}

/**
 * WebSocket receivers as lean as the TCP ones: the upgrade by hand, then a frame reader that
 * does what the TCP receivers' line splitter does (no library between the bytes and the count).
 */
async function wsReceivers(port, track) {
  const sockets = [];
  for (let i = 0; i < R; i++) {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.on('connect', () => {
        socket.write(`GET /chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      socket.on('data', (chunk) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (!buffer.subarray(0, 12).toString().includes('101')) return reject(new Error(String(buffer)));
          upgraded = true;
          buffer = buffer.subarray(end + 4);
        }
        // Decoded once per read, as the TCP receivers' setEncoding does; the bench's lines are
        // ASCII, so a byte offset is a character offset.
        const text = buffer.toString('latin1');
        let at = 0;
        while (buffer.length - at >= 2) {
          let length = buffer[at + 1] & 0x7f;
          let header = 2;
          if (length === 126) {
            if (buffer.length - at < 4) break;
            length = buffer.readUInt16BE(at + 2);
            header = 4;
          } else if (length === 127) {
            if (buffer.length - at < 10) break;
            length = Number(buffer.readBigUInt64BE(at + 2));
            header = 10;
          }
          if (buffer.length - at < header + length) break;
          const line = text.slice(at + header, at + header + length);
          at += header + length;
          if (line.startsWith('[Server] Welcome to')) socket.write(clientFrame(`JOIN w${i}`));
          else if (line.startsWith('[Server] Welcome,')) resolve();
          else if (line.startsWith('PING')) socket.write(clientFrame(`PONG${line.slice(4)}`));
          else track.deliver(line);
        }
        buffer = buffer.subarray(at);
      });
    });
    sockets.push(socket);
  }
  return () => sockets.forEach((s) => s.destroy());
}

async function tcpReceivers(port, track) {
  const sockets = [];
  for (let i = 0; i < R; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let buffer = '';
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (chunk) => {
        buffer += chunk;
        let lf;
        while ((lf = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, lf);
          buffer = buffer.slice(lf + 1);
          if (line.startsWith('[Server] Welcome to')) socket.write(`JOIN t${i}\n`);
          else if (line.startsWith('[Server] Welcome,')) resolve();
          else track.deliver(line);
        }
      });
    });
    sockets.push(socket);
  }
  return () => sockets.forEach((s) => s.destroy());
}

async function sender(port) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => {
    socket.on('data', (chunk) => {
      if (String(chunk).includes('Welcome to')) socket.write('JOIN sender\n');
      if (String(chunk).includes('Welcome, sender')) resolve();
    });
  });
  return socket;
}

/** CPU seconds a child has used so far (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function fanout(chatPort, receiverPort, connect) {
  const track = tracker();
  const close = await connect(receiverPort, track);
  const send = await sender(chatPort);
  const text = 'x'.repeat(48);
  const started = performance.now();
  const serverCpu = cpuSeconds(serverPid);
  const ownCpu = process.cpuUsage();
  for (let n = 0; n < M; n++) {
    while (track.outstanding >= W) await track.onComplete();
    track.got.set(n, track.got.get(n) ?? 0);
    send.write(`BROADCAST m${n} ${text}\n`);
  }
  while (track.outstanding > 0) await track.onComplete();
  const seconds = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownCpu);
  serverCpuPerRun.push(cpuSeconds(serverPid) - serverCpu);
  cpu.push(`server ${(cpuSeconds(serverPid) - serverCpu).toFixed(2)} s, load generator ${((own.user + own.system) / 1e6).toFixed(2)} s of ${seconds.toFixed(2)} s`);
  send.destroy();
  close();
  return (M * R) / seconds;
}

// ---- 2. download ----------------------------------------------------------------------------

function curlSeconds(url) {
  const out = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download} %{http_code}', url], { encoding: 'utf8' });
  const [seconds, size, status] = out.trim().split(' ');
  if (status !== '200' || Number(size) !== SIZE) throw new Error(`curl ${url}: HTTP ${status}, ${size} bytes`);
  return Number(seconds);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// ---- run ------------------------------------------------------------------------------------

const shared = makeTempDir('netchat-bench-web-');
// Real bytes on disk (not a sparse file), written once; both servers read the same file.
const file = path.join(shared, 'big.bin');
const fd = openSync(file, 'w');
const block = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
for (let written = 0; written < SIZE; written += block.length) writeSync(fd, block, 0, Math.min(block.length, SIZE - written));
ftruncateSync(fd, SIZE);
closeSync(fd);

const { match } = await startChild(
  process.execPath,
  [path.join(root, 'dist/cli.mjs'), 'serve', '--host', '127.0.0.1', '--port', '0', '--web', '127.0.0.1:0', '--shared-dir', shared,
    '--flood-burst', '0', '--max-per-ip', String(4 * R), '--connect-rate', '0', '--web-max-per-ip', String(4 * R),
    '--max-connections', String(4 * R), '--announce-limit', '1'],
  /web client on http:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*listening on 127\.0\.0\.1:(\d+)/,
);
const webPort = Number(match[1]);
const serverPid = children[0].pid;
const cpu = [];
/** The server's CPU seconds for each fan-out run, WebSocket and TCP alternating. */
const serverCpuPerRun = [];
const chatPort = Number(match[2]);
const python = await startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', shared], /port (\d+)/, {
  env: { ...process.env, PYTHONUNBUFFERED: '1' },
});
const staticPort = Number(python.match[1]);

const results = { ws: [], tcp: [], netchat: [], static: [] };
console.error(`fan-out: ${R} receivers, ${M} messages, window ${W}; download: ${SIZE / 1024 / 1024} MiB; ${REPEAT} rounds`);
// The first request hashes the file (cached after): not part of the download measured.
execFileSync('curl', ['-s', '-I', '-o', '/dev/null', `http://127.0.0.1:${webPort}/files/big.bin`]);
for (let round = 0; round < REPEAT; round++) {
  results.ws.push(await fanout(chatPort, webPort, wsReceivers));
  results.tcp.push(await fanout(chatPort, chatPort, tcpReceivers));
  results.netchat.push(SIZE / curlSeconds(`http://127.0.0.1:${webPort}/files/big.bin`));
  results.static.push(SIZE / curlSeconds(`http://127.0.0.1:${staticPort}/big.bin`));
  console.error(`round ${round + 1}: ws ${Math.round(results.ws.at(-1))}/s, tcp ${Math.round(results.tcp.at(-1))}/s, ` +
    `netchat ${(results.netchat.at(-1) / 1e6).toFixed(0)} MB/s, static ${(results.static.at(-1) / 1e6).toFixed(0)} MB/s`);
  console.error(`  CPU, WebSocket fan-out: ${cpu.at(-2)}; TCP fan-out: ${cpu.at(-1)}`);
}
const ws = median(results.ws);
const tcp = median(results.tcp);
const down = median(results.netchat);
const stat = median(results.static);
console.log(`| measure | netchat web | reference | ratio | target |`);
console.log(`|---|---|---|---|---|`);
console.log(`| fan-out to ${R} receivers, deliveries/s (median of ${REPEAT}) | ${Math.round(ws)} over WebSocket | ${Math.round(tcp)} over TCP | ${(ws / tcp).toFixed(2)}× | ≥ 0.7× |`);
// The same deliveries each run, so CPU seconds compare directly: what the server itself pays
// per delivery, apart from the load generator sharing the machine.
const wsCpu = median(serverCpuPerRun.filter((_, i) => i % 2 === 0));
const tcpCpu = median(serverCpuPerRun.filter((_, i) => i % 2 === 1));
console.log(`| server CPU for those deliveries, s (median) | ${wsCpu.toFixed(2)} over WebSocket | ${tcpCpu.toFixed(2)} over TCP | ${(tcpCpu / wsCpu).toFixed(2)}× | |`);
console.log(`| ${SIZE / 1024 / 1024} MiB HTTP download with curl, MB/s | ${(down / 1e6).toFixed(0)} | ${(stat / 1e6).toFixed(0)} (python3 -m http.server) | ${(down / stat).toFixed(2)}× | ≥ 0.8× |`);
process.exit(0);
