// Cross-node fan-out against single-node fan-out, the same load in the same run: R receivers and
// S senders in one room. Single: one lone `netchat serve`. Cross: two nodes of a cluster through
// a nats-server started here; the senders and half the receivers on node A, the other half on
// node B (load process 0 on A, process 1 on B, receivers dealt i % 2), so half of every delivery
// crosses NATS. The load generator is fanout.mjs's (lib/fanout-run.mjs). Targets: cross-node
// deliveries/s ≥ 0.7× single-node, cross-node p99 ≤ 2× single-node p99.
//
//   npm run build && node scripts/bench/cluster.mjs [options]
//
//   --receivers 200  --senders 5  --size 64
//   --mode throughput,rate   as fast as accepted, and/or a fixed total rate (--rate 200 messages/s)
//   --warmup 2 --duration 5  seconds of load before and during measurement
//   --repeat 1               rounds; each round runs single then cross
//   --runtime node           netchat under node, bun or deno
//
// CPU and memory columns are node A's (the server process the senders are on).
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runFanout } from './lib/fanout-run.mjs';
import { makeTempDir, spawnRaised, stopChild, waitForOutput } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { describeNetchatBuild, startNetchat } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    receivers: { type: 'string', default: '200' },
    senders: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'throughput,rate' },
    rate: { type: 'string', default: '200' },
    size: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '1' },
    window: { type: 'string', default: '1000' },
    probes: { type: 'string', default: '8' },
    runtime: { type: 'string', default: 'node' },
  },
});

function positive(name, text, max = Number.POSITIVE_INFINITY) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${name} must be a number in (0, ${max}], got "${text}"`);
  return value;
}
const modes = opts.mode.split(',').map((m) => m.trim()).filter(Boolean);
for (const mode of modes) if (mode !== 'throughput' && mode !== 'rate') throw new Error(`unknown --mode ${mode}`);
const receivers = positive('receivers', opts.receivers, 20_000);
const repeat = positive('repeat', opts.repeat, 20);
const loadConfig = {
  senders: positive('senders', opts.senders, 1000),
  rate: positive('rate', opts.rate),
  size: positive('size', opts.size, 4000),
  warmupMs: positive('warmup', opts.warmup, 60) * 1000,
  durationMs: positive('duration', opts.duration, 120) * 1000,
  window: positive('window', opts.window),
  probes: positive('probes', opts.probes),
  // Two processes: process 0 (senders, even receivers) and process 1 (odd receivers).
  processes: 2,
  phaseTimeoutMs: 120_000,
};
const TARGET_RATIO = 0.7;
const TARGET_P99 = 2;

async function startNats() {
  const dir = makeTempDir('netchat-bench-nats-');
  const child = spawnRaised('nats-server', ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', path.join(dir, 'js'), '--ports_file_dir', dir]);
  const [, port] = await waitForOutput(child, /Listening for client connections on [^\s]+:(\d+)/, 15_000, 'nats-server');
  await waitForOutput(child, /Server is ready/, 15_000, 'nats-server').catch(() => {});
  return { url: `nats://127.0.0.1:${port}`, child };
}

/** The child said it (maybe already, while it was starting). */
function heard(child, pattern, what) {
  return pattern.test(child.recentStderr()) ? Promise.resolve() : waitForOutput(child, pattern, 15_000, what);
}

async function runSingle(mode) {
  const server = await startNetchat({ runtime: opts.runtime });
  try {
    return await runFanout(server, { ...loadConfig, receivers, mode });
  } finally {
    await server.stop();
  }
}

async function runCross(mode, natsUrl, round) {
  const cluster = ['--cluster', natsUrl, '--cluster-heartbeat', '1', '--cluster-dead-after', '5'];
  const a = await startNetchat({ runtime: opts.runtime, extraArgs: [...cluster, '--node-id', `bench-a-${round}-${mode}`] });
  const b = await startNetchat({ runtime: opts.runtime, extraArgs: [...cluster, '--node-id', `bench-b-${round}-${mode}`] });
  try {
    // Both nodes have heard each other before any client joins.
    await Promise.all([heard(a.child, /cluster node bench-b-\S+ is up/, 'node A'), heard(b.child, /cluster node bench-a-\S+ is up/, 'node B')]);
    return await runFanout({ ...a, ports: [a.port, b.port] }, { ...loadConfig, receivers, mode });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

console.error(`${describeNetchatBuild()} under ${opts.runtime}; ${os.cpus().length} cores; ${receivers} receivers, ${loadConfig.senders} senders`);
const nats = await startNats();
const rows = [];
const verdicts = [];
try {
  for (const mode of modes) {
    const single = [];
    const cross = [];
    for (let round = 1; round <= repeat; round++) {
      single.push(await runSingle(mode));
      cross.push(await runCross(mode, nats.url, round));
    }
    const med = (runs, key) => median(runs.map((run) => run[key]));
    for (const [name, runs] of [['single node', single], ['cross-node (2 nodes)', cross]]) {
      rows.push([
        mode,
        name,
        fmt(med(runs, 'deliveriesPerSec'), 0),
        fmt(med(runs, 'p50Ms')),
        fmt(med(runs, 'p99Ms')),
        String(runs.reduce((sum, run) => sum + run.missing, 0)),
        fmt(med(runs, 'serverCpu')),
        runs.map((run) => run.saturated).join(' '),
      ]);
    }
    const ratio = med(cross, 'deliveriesPerSec') / med(single, 'deliveriesPerSec');
    const p99 = med(cross, 'p99Ms') / med(single, 'p99Ms');
    verdicts.push(
      `${mode}: cross/single deliveries/s ${fmt(ratio)}× (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'missed'}), ` +
        `p99 ${fmt(p99)}× (target ≤ ${TARGET_P99}: ${p99 <= TARGET_P99 ? 'met' : 'missed'})`,
    );
  }
} finally {
  await stopChild(nats.child);
}
console.log(table(['mode', 'setup', 'deliveries/s', 'p50 ms', 'p99 ms', 'missing', 'CPU (A)', 'saturated'], rows));
for (const verdict of verdicts) console.log(verdict);
