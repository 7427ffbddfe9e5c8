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
//   npm run build && node scripts/bench/web.mjs [--receivers 500] [--messages 10000]
//       [--window 200] [--size-mib 1024] [--repeat 3] [--processes 2] [--profile <dir>]
//
// The receivers run in --processes child processes per transport (lib/web-fanout-receivers.mjs),
// equally cheap for both: TCP counts LF bytes, WebSocket walks frame headers on a raw socket
// after a hand-made upgrade; neither decodes a byte. Each run prints the CPU of the server and of
// every receiver process, the load average, and which side was saturated. Every child is killed
// when the script exits.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTempDir } from './lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opts } = parseArgs({
  options: {
    receivers: { type: 'string', default: '500' },
    messages: { type: 'string', default: '10000' },
    window: { type: 'string', default: '200' },
    'size-mib': { type: 'string', default: '1024' },
    repeat: { type: 'string', default: '3' },
    processes: { type: 'string', default: '2' },
    /** Write the server's CPU profile (node --cpu-prof) into this folder. */
    profile: { type: 'string' },
  },
});
const R = Number(opts.receivers);
const M = Number(opts.messages);
const W = Number(opts.window);
const SIZE = Number(opts['size-mib']) * 1024 * 1024;
const REPEAT = Number(opts.repeat);
/** Receiver processes per transport. */
const PROCESSES = Number(opts.processes);

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

/**
 * R receivers of one transport, dealt over P processes (lib/web-fanout-receivers.mjs), each as
 * cheap for WebSocket as for TCP. Resolves once all joined, with the number of broadcasts every
 * receiver has had so far, a wait for it to change, their pids and a close.
 */
async function receivers(port, transport) {
  const P = Math.min(PROCESSES, R);
  const workers = [];
  const levels = new Array(P).fill(0);
  let waiters = [];
  for (let p = 0; p < P; p++) {
    const first = Math.floor((p * R) / P);
    const count = Math.floor(((p + 1) * R) / P) - first;
    const child = spawn(process.execPath, [path.join(root, 'scripts/bench/lib/web-fanout-receivers.mjs'), JSON.stringify({ transport, port, first, count })],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    workers.push(new Promise((resolve, reject) => {
      let pending = '';
      child.stdout.setEncoding('latin1').on('data', (text) => {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) {
          if (line === 'ready') resolve(child);
          else if (line.startsWith('at ')) {
            levels[p] = Number(line.slice(3));
            const ready = waiters;
            waiters = [];
            ready.forEach((w) => w());
          }
        }
      });
      child.on('exit', (code) => reject(new Error(`a ${transport} receiver process exited (${code})`)));
    }));
  }
  const processes = await Promise.all(workers);
  return {
    delivered: () => Math.min(...levels),
    onProgress: () => new Promise((resolve) => waiters.push(resolve)),
    pids: processes.map((child) => child.pid),
    close: () => processes.forEach((child) => {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
    }),
  };
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

/**
 * One fan-out run: M broadcasts, at most W of them not yet delivered to every receiver. Besides
 * the rate, the CPU each side used in it: the server is one thread, so a server near 100 % of
 * a core is the saturated side; receiver processes near 100 % each would be.
 */
async function fanout(chatPort, receiverPort, transport) {
  const group = await receivers(receiverPort, transport);
  const send = await sender(chatPort);
  const text = 'x'.repeat(48);
  const serverCpu = cpuSeconds(serverPid);
  const receiverCpu = group.pids.map(cpuSeconds);
  const ownCpu = process.cpuUsage();
  const load = loadavg()[0];
  const started = performance.now();
  for (let n = 0; n < M; n++) {
    while (n - group.delivered() >= W) await group.onProgress();
    send.write(`BROADCAST m${n} ${text}\n`);
  }
  while (group.delivered() < M) await group.onProgress();
  const seconds = (performance.now() - started) / 1000;
  const server = cpuSeconds(serverPid) - serverCpu;
  const perReceiver = group.pids.map((pid, i) => cpuSeconds(pid) - receiverCpu[i]);
  const own = process.cpuUsage(ownCpu);
  const busiest = Math.max(...perReceiver) / seconds;
  const serverShare = server / seconds;
  // The side nearest a full core set the pace; on a machine others share, neither may get one.
  const leader = serverShare >= busiest ? 'server' : 'receivers';
  const top = Math.max(serverShare, busiest);
  const saturated = top >= 0.85 ? `${leader} (saturated)` : `${leader} busier (${Math.round(100 * top)} % of a core: none saturated)`;
  serverCpuPerRun.push(server);
  cpu.push(`server ${server.toFixed(2)} s (${Math.round(100 * serverShare)} % of a core), ` +
    `receivers ${perReceiver.map((c) => c.toFixed(2)).join(' + ')} s (busiest ${Math.round(100 * busiest)} %), ` +
    `sender ${((own.user + own.system) / 1e6).toFixed(2)} s, of ${seconds.toFixed(2)} s; load ${load.toFixed(2)}; pace set by: ${saturated}`);
  saturation.push(saturated);
  send.destroy();
  group.close();
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
  [...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${opts.profile}`] : []), path.join(root, 'dist/cli.mjs'), 'serve', '--host', '127.0.0.1', '--port', '0', '--web', '127.0.0.1:0', '--shared-dir', shared,
    '--flood-burst', '0', '--max-per-ip', String(4 * R), '--connect-rate', '0', '--web-max-per-ip', String(4 * R),
    '--max-connections', String(4 * R), '--announce-limit', '1', '--ping-interval', '0'],
  /web client on http:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*listening on 127\.0\.0\.1:(\d+)/,
);
const webPort = Number(match[1]);
const serverPid = children[0].pid;
const cpu = [];
/** Which side ran out of CPU in each fan-out run. */
const saturation = [];
/** The server's CPU seconds for each fan-out run, WebSocket and TCP alternating. */
const serverCpuPerRun = [];
const chatPort = Number(match[2]);
const python = await startChild('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', shared], /port (\d+)/, {
  env: { ...process.env, PYTHONUNBUFFERED: '1' },
});
const staticPort = Number(python.match[1]);

const results = { ws: [], tcp: [], netchat: [], static: [] };
console.error(`fan-out: ${R} receivers in ${Math.min(PROCESSES, R)} processes, ${M} messages, window ${W}; download: ${SIZE / 1024 / 1024} MiB; ${REPEAT} rounds`);
// The first request hashes the file (cached after): not part of the download measured.
execFileSync('curl', ['-s', '-I', '-o', '/dev/null', `http://127.0.0.1:${webPort}/files/big.bin`]);
for (let round = 0; round < REPEAT; round++) {
  results.ws.push(await fanout(chatPort, webPort, 'ws'));
  results.tcp.push(await fanout(chatPort, chatPort, 'tcp'));
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
const sides = (from) => saturation.filter((_, i) => i % 2 === from).join(', ');
console.log(`| busier side (server or receivers), each run | ${sides(0)} | ${sides(1)} | | |`);
console.log(`| ${SIZE / 1024 / 1024} MiB HTTP download with curl, MB/s | ${(down / 1e6).toFixed(0)} | ${(stat / 1e6).toFixed(0)} (python3 -m http.server) | ${(down / stat).toFixed(2)}× | ≥ 0.8× |`);
if (opts.profile) {
  // The profile is written when the server exits by itself.
  const server = children[0];
  server.removeAllListeners('exit');
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  await exited;
  console.error(`server CPU profile in ${opts.profile}`);
}
process.exit(0);
