// Soak test: honest chat on one `netchat serve` (default limits): quiet, then for 60 s under
// five attacks at once — reconnect floods, join/leave storms, group storms, slow readers and
// garbage (scripts/bench/lib/soak-attackers.mjs, in a process of its own) — then quiet again.
// Prints the server's CPU, CPU wait and RSS and the honest clients' delivery latency per phase;
// the p99 under attack must stay within 2x the quiet p99 (both quiet phases together), no honest
// client may be disconnected and no honest message lost (exit 1 otherwise).
//
//   npx unbuild && node scripts/bench/soak.mjs [options]
//
//   --seconds 60          the attack phase
//   --quiet-seconds 15    each quiet phase, before (after 3 s of warm-up) and after it
//   --honest 20           honest clients, each sending one message a second
//   --runtime node        netchat under node (from dist/), bun or deno (from source)
//   --attacks a,b         which attacks (default all: reconnectFlood, joinLeaveStorm, groupStorm,
//                         slowReaders, garbage)
//
// Every socket is on the loopback interface: the server listens on 127.0.0.1, and each client
// connects from its own 127.0.x.y source address (Linux routes all of 127/8 to lo), so the
// per-address limits tell honest clients and attackers apart. The run is bounded in time (about
// 95 s) and in load: every attack has a fixed pace and a cap on connections in flight. On a
// shared machine the latency also measures the neighbours: the CPU wait column says how long the
// server was runnable but had no core.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cpuSeconds, onJsonLines, rssKiB, schedSeconds, spawnRaised, stopChild, waitForOutput } from './lib/processes.mjs';
import { runAttacks } from './lib/soak-attackers.mjs';
import { fmt, percentile, table } from './lib/stats.mjs';
import { describeNetchatBuild, ROOT } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'quiet-seconds': { type: 'string', default: '15' },
    honest: { type: 'string', default: '20' },
    runtime: { type: 'string', default: 'node' },
    attacks: { type: 'string', default: 'reconnectFlood,joinLeaveStorm,groupStorm,slowReaders,garbage' },
    attacker: { type: 'string' },
  },
});

function positive(name, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}
const attackSeconds = positive('seconds', opts.seconds);
const quietSeconds = positive('quiet-seconds', opts['quiet-seconds']);
const honestCount = positive('honest', opts.honest);
const WARMUP_SECONDS = 3;
const P99_LIMIT = 2;

// The attacker process: run the attacks, report the counts as one JSON line, exit.
if (opts.attacker !== undefined) {
  const results = await runAttacks(Number(opts.attacker), attackSeconds, opts.attacks.split(','));
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ attacks: results, cpuSeconds: (user + system) / 1e6 })}\n`);
  process.exit(0);
}

function netchatCommand(runtime) {
  switch (runtime) {
    case 'node':
      return [process.execPath, [path.join(ROOT, 'dist/cli.mjs')]];
    case 'bun':
      return [path.join(ROOT, 'node_modules/.bin/bun'), [path.join(ROOT, 'src/cli.ts')]];
    case 'deno':
      return [path.join(ROOT, 'node_modules/.bin/deno'), ['run', '-A', '--quiet', path.join(ROOT, 'src/cli.ts')]];
    default:
      throw new Error(`unknown runtime "${runtime}" (node, bun or deno)`);
  }
}

const PHASES = ['warmup', 'before', 'attack', 'after'];
const MEASURED = ['before', 'attack', 'after'];
let phase = 'warmup';

/** What the honest clients saw, per phase. */
const seen = Object.fromEntries(
  PHASES.map((name) => [
    name,
    { sent: 0, latencies: [], fromAttackers: 0, notices: 0, summaries: 0, groupNotices: 0, bytes: 0, errors: {} },
  ]),
);

/** One honest user: registered, in group `lobby`, one message a second, every latency recorded. */
class HonestClient {
  constructor(index, port) {
    this.index = index;
    this.name = `h${index}`;
    this.port = port;
    this.disconnected = false;
    this.partial = '';
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: this.port, localAddress: `127.0.1.${this.index + 1}` });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      socket.on('data', (text) => this.receive(text));
      socket.on('error', reject);
      socket.on('close', () => {
        if (!this.stopping) this.disconnected = true;
      });
      this.welcomed = resolve;
      socket.write(`JOIN ${this.name}\nJOIN_GROUP lobby\n`);
    });
  }

  receive(text) {
    const now = performance.now();
    const stats = seen[phase];
    stats.bytes += Buffer.byteLength(text);
    this.partial += text;
    let newline;
    while ((newline = this.partial.indexOf('\n')) !== -1) {
      const line = this.partial.slice(0, newline);
      this.partial = this.partial.slice(newline + 1);
      this.line(line, now, stats);
    }
  }

  line(line, now, stats) {
    const honest = /^\[(?:Broadcast|Group lobby)\] h\d+: m (\w+) ([\d.]+)$/.exec(line);
    if (honest) {
      seen[honest[1]].latencies.push(now - Number(honest[2]));
      return;
    }
    if (line.startsWith(`[Server] Welcome, ${this.name}!`)) return this.welcomed();
    if (line.startsWith('PING')) return this.socket.write(`PONG${line.slice(4)}\n`);
    if (line.startsWith('[Broadcast] ')) stats.fromAttackers++;
    else if (/^\[Server\] \S+ has (joined|left) the chat/.test(line)) stats.notices++;
    else if (line.startsWith('[Server] Not announced:')) stats.summaries++;
    else if (/^\[Server\] \S+ (joined|left) group lobby\.$/.test(line)) stats.groupNotices++;
    else if (line.startsWith('ERROR ')) {
      const code = line.split(' ')[1];
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    }
  }

  /** One message: a broadcast, every fifth a group message; its phase and send time inside. */
  send(count) {
    if (this.socket.destroyed) return;
    const text = `m ${phase} ${performance.now().toFixed(3)}`;
    this.socket.write(count % 5 === 4 ? `GROUP_MSG lobby ${text}\n` : `BROADCAST ${text}\n`);
    seen[phase].sent++;
  }

  stop() {
    this.stopping = true;
    this.socket.end('QUIT\n');
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Server CPU and memory, sampled once a second and kept per phase. */
function sampleServer(pid) {
  const samples = Object.fromEntries(PHASES.map((name) => [name, { cpu: 0, wait: 0, wall: 0, rssMax: 0, rssEnd: 0 }]));
  let lastCpu = cpuSeconds(pid);
  let lastWait = schedSeconds(pid).wait;
  let lastWall = performance.now();
  const timer = setInterval(() => {
    try {
      const cpu = cpuSeconds(pid);
      const wait = schedSeconds(pid).wait;
      const wall = performance.now();
      const rss = rssKiB(pid) / 1024;
      const s = samples[phase];
      s.cpu += cpu - lastCpu;
      s.wait += wait - lastWait;
      s.wall += (wall - lastWall) / 1000;
      s.rssMax = Math.max(s.rssMax, rss);
      s.rssEnd = rss;
      [lastCpu, lastWait, lastWall] = [cpu, wait, wall];
    } catch {}
  }, 1000);
  return { samples, stop: () => clearInterval(timer) };
}

async function main() {
  const [command, prefix] = netchatCommand(opts.runtime);
  const server = spawnRaised(command, [...prefix, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let logLines = 0;
  server.stderr.on('data', (chunk) => (logLines += chunk.toString().split('\n').length - 1));
  const [, port] = await waitForOutput(server, /listening on 127\.0\.0\.1:(\d+)/, 15_000, 'netchat serve');
  const rssStart = rssKiB(server.pid) / 1024;
  const sampler = sampleServer(server.pid);

  const honest = Array.from({ length: honestCount }, (_, i) => new HonestClient(i, Number(port)));
  await Promise.all(honest.map((client) => client.connect()));
  let count = 0;
  const sender = setInterval(() => {
    count++;
    for (const client of honest) setTimeout(() => client.send(count), (client.index * 1000) / honestCount);
  }, 1000);

  await sleep(WARMUP_SECONDS * 1000);
  phase = 'before';
  await sleep(quietSeconds * 1000);
  phase = 'attack';
  const ownCpuBefore = process.cpuUsage();
  const attacker = spawnRaised(process.execPath, [
    new URL(import.meta.url).pathname,
    ...['--attacker', port, '--seconds', String(attackSeconds), '--attacks', opts.attacks],
  ]);
  const attackResults = new Promise((resolve) => onJsonLines(attacker, resolve));
  const { attacks, cpuSeconds: attackerCpu } = await attackResults;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const honestCpu = (ownCpu.user + ownCpu.system) / 1e6;
  await attacker.exited;
  phase = 'after';
  await sleep(quietSeconds * 1000);
  sampler.stop();
  clearInterval(sender);
  await sleep(500);
  const rssAfter = rssKiB(server.pid) / 1024;
  for (const client of honest) client.stop();
  await sleep(200);
  await stopChild(server);
  report({ attacks, samples: sampler.samples, honest, rssStart, rssAfter, logLines, exit: server.exitCode, attackerCpu, honestCpu });
}

function report({ attacks, samples, honest, rssStart, rssAfter, logLines, exit, attackerCpu, honestCpu }) {
  const receivers = honestCount - 1;
  const rows = MEASURED.map((name) => {
    const s = seen[name];
    const expected = s.sent * receivers;
    const cpu = samples[name];
    return [
      name,
      fmt(cpu.wall, 0),
      fmt(s.sent, 0),
      fmt(s.latencies.length, 0),
      fmt(expected - s.latencies.length, 0),
      fmt(percentile(s.latencies, 50)),
      fmt(percentile(s.latencies, 99)),
      fmt(Math.max(...s.latencies)),
      fmt((100 * cpu.cpu) / cpu.wall, 1),
      fmt((1000 * cpu.wait) / cpu.wall, 0),
      `${fmt(cpu.rssEnd, 1)} / ${fmt(cpu.rssMax, 1)}`,
    ];
  });
  const quietP99 = percentile([...seen.before.latencies, ...seen.after.latencies], 99);
  const attackP99 = percentile(seen.attack.latencies, 99);
  const ratio = attackP99 / quietP99;
  const lost = MEASURED.reduce((sum, name) => sum + seen[name].sent * receivers - seen[name].latencies.length, 0);
  const dropped = honest.filter((client) => client.disconnected).length;
  const perClientSecond = (value) => fmt(value / honestCount / samples.attack.wall, 1);
  const a = seen.attack;

  console.log(`\nnetchat soak: ${describeNetchatBuild()}; server under ${opts.runtime} ${process.version}`);
  console.log(`${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end\n`);
  console.log(`Honest clients: ${honestCount}, one message a second each (every fifth to their group), ${receivers} receivers each.`);
  console.log(
    table(
      ['phase', 's', 'sent', 'delivered', 'lost', 'p50 ms', 'p99 ms', 'max ms', 'server CPU %', 'CPU wait ms/s', 'RSS MiB end / peak'],
      rows,
    ),
  );
  console.log(`\nServer RSS: ${fmt(rssStart, 1)} MiB at start, ${fmt(rssAfter, 1)} MiB at the end.`);
  console.log(
    `Per honest client per second under attack: ${perClientSecond(a.fromAttackers)} attackers' broadcasts, ` +
      `${perClientSecond(a.notices)} join/leave notices, ${perClientSecond(a.summaries)} summaries, ` +
      `${perClientSecond(a.groupNotices)} group notices, ${fmt(a.bytes / honestCount / samples.attack.wall / 1024, 1)} KiB in all.`,
  );
  const attackRows = Object.entries(attacks).map(([name, s]) => [
    name,
    fmt(s.connections, 0),
    fmt(s.connectFailures, 0),
    fmt(s.linesSent, 0),
    Object.entries(s.errors)
      .sort((x, y) => y[1] - x[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || '—',
  ]);
  const share = (seconds) => fmt((100 * seconds) / samples.attack.wall, 0);
  console.log(`\nAttacks (${attackSeconds} s; the attacking process used ${share(attackerCpu)} % of a core, the honest clients ${share(honestCpu)} %):`);
  console.log(table(['attack', 'connections', 'failed to connect', 'lines sent', 'ERROR codes received'], attackRows));
  console.log(`\nServer log: ${logLines} lines. Server exit code after SIGTERM: ${exit}.`);
  const verdicts = [
    [`p99 under attack ${fmt(attackP99)} ms = ${fmt(ratio)}x the quiet ${fmt(quietP99)} ms (limit ${P99_LIMIT}x)`, ratio <= P99_LIMIT],
    [`honest clients disconnected: ${dropped}`, dropped === 0],
    [`honest messages lost: ${lost}`, lost === 0],
    [`server exit code: ${exit}`, exit === 0],
  ];
  for (const [text, ok] of verdicts) console.log(`${ok ? 'met    ' : 'NOT MET'}  ${text}`);
  process.exitCode = verdicts.every(([, ok]) => ok) ? 0 : 1;
}

await main();
