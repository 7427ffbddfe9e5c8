// Chat fan-out benchmark: R receivers and S senders in one room, netchat side by side with
// the batched reference (netchat's fan-out without its checks: the floor), a bare Node
// broadcast loop and InspIRCd, the same load generator for all, in one run. Runs rotate
// between targets and repeat; the table shows medians, netchat's ratios and which side
// (server, load generator, or the machine's cores) ran out of CPU.
//
//   npm run build && node scripts/bench/fanout.mjs [options]
//
//   --targets netchat,batched,bare,inspircd   servers to measure (default: all four)
//   --dist DIR                        netchat from this built dist/ (default: ./dist); give it
//                                     twice to run two builds side by side (before/after)
//   --receivers 500                   receivers R (a comma list runs each size)
//   --senders 5                       senders S
//   --mode throughput,rate            as fast as accepted, and/or a fixed total rate
//   --rate 200                        messages/s in rate mode (all senders together)
//   --size 64                         message text bytes
//   --warmup 2 --duration 5           seconds of load before and during measurement
//   --repeat 3                        rounds; each round runs every target once
//   --window 1000                     throughput mode: most messages not yet fully delivered
//   --load-processes 2                load generator processes (receivers dealt among them)
//   --runtime node                    netchat under node, bun or deno
//   --json <file>                     also write every run's figures as JSON
//
// Everything runs on 127.0.0.1; every run is bounded; children die with the script.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runFanout } from './lib/fanout-run.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { DEFAULT_DIST, describeNetchatBuild, expandTargets, startTarget } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    targets: { type: 'string', default: 'netchat,batched,bare,inspircd' },
    dist: { type: 'string', multiple: true, default: [DEFAULT_DIST] },
    receivers: { type: 'string', default: '500' },
    senders: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'throughput,rate' },
    rate: { type: 'string', default: '200' },
    size: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    window: { type: 'string', default: '1000' },
    probes: { type: 'string', default: '8' },
    'load-processes': { type: 'string', default: '2' },
    runtime: { type: 'string', default: 'node' },
    json: { type: 'string' },
  },
});

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
function positive(name, text, max = Number.POSITIVE_INFINITY) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${name} must be a number in (0, ${max}], got "${text}"`);
  return value;
}
const targets = expandTargets(list(opts.targets), opts.dist);
const receiverCounts = list(opts.receivers).map((r) => positive('receivers', r, 20_000));
const modes = list(opts.mode);
for (const mode of modes) if (mode !== 'throughput' && mode !== 'rate') throw new Error(`unknown --mode ${mode}`);
const senders = positive('senders', opts.senders, 1000);
const repeat = positive('repeat', opts.repeat, 50);
const loadConfig = {
  senders,
  rate: positive('rate', opts.rate),
  size: positive('size', opts.size, 4000),
  warmupMs: positive('warmup', opts.warmup, 60) * 1000,
  durationMs: positive('duration', opts.duration, 120) * 1000,
  window: positive('window', opts.window),
  probes: positive('probes', opts.probes),
  processes: positive('load-processes', opts['load-processes'], 8),
  phaseTimeoutMs: 120_000,
};
// Goals at 500 receivers: the batched floor and the bare loop ≥ 0.8×, InspIRCd ≥ 1.0×.
const GOALS = { batched: 0.8, bare: 0.8, inspircd: 1.0 };

async function runOnce(target, receivers, mode) {
  const server = await startTarget(target.name, { runtime: opts.runtime, dist: target.dist });
  try {
    const result = await runFanout(server, { ...loadConfig, receivers, mode });
    return { target: target.label, receivers, senders, mode, ...result };
  } finally {
    await server.stop();
  }
}

const percent = (value) => `${fmt(value * 100, 0)}%`;

function describe(run) {
  const flags = [run.missing ? `missing ${run.missing}` : '', run.disconnected ? `${run.disconnected} disconnected` : '']
    .filter(Boolean)
    .join(', ');
  return (
    `${run.target.padEnd(8)} R=${run.receivers} ${run.mode.padEnd(10)} ` +
    `${fmt(run.deliveriesPerSec)} deliveries/s (${fmt(run.deliveriesPerCpuSecond)} per CPU-s), ${fmt(run.messagesPerSec)} msgs/s, ` +
    `p50 ${fmt(run.p50Ms)} ms, p99 ${fmt(run.p99Ms)} ms, ` +
    `server cpu ${percent(run.serverCpu)} (waited ${percent(run.serverCpuWait)}), ` +
    `load cpu ${run.loadCpus.map(percent).join(' + ')} (waited ${run.loadWaits.map(percent).join(' + ')}), ` +
    `saturated: ${run.saturated}, ` +
    `setup ${fmt(run.setupMs / 1000, 1)} s${flags ? ` [${flags}]` : ''}`
  );
}

/** The verdicts of the rounds, most frequent first: "server 3/3", "load 2/3, cores 1/3". */
function verdicts(runs) {
  const counts = new Map();
  for (const run of runs) counts.set(run.saturated, (counts.get(run.saturated) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([side, count]) => `${side} ${count}/${runs.length}`)
    .join(', ');
}

const builds = [...new Set(targets.filter((t) => t.name === 'netchat').map((t) => t.dist))];
const machine = () =>
  `${builds.map((dist) => `${describeNetchatBuild(dist)}; `).join('')}Node ${process.version}, ${os.cpus().length} CPUs, ` +
  `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
process.stderr.write(`${machine()}\n`);
const runs = [];
const loadAverages = [];
for (const receivers of receiverCounts) {
  for (const mode of modes) {
    for (let round = 1; round <= repeat; round++) {
      // Rotate which target goes first, so a slow spell of the machine does not always hit the same one.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const target of order) {
        loadAverages.push(os.loadavg()[0]);
        const run = await runOnce(target, receivers, mode);
        runs.push({ round, loadAverage: os.loadavg()[0], ...run });
        process.stderr.write(`[${round}/${repeat}] ${describe(run)}\n`);
      }
    }
  }
}

const rows = [];
const ratios = [];
for (const receivers of receiverCounts) {
  for (const mode of modes) {
    const medians = {};
    for (const { label } of targets) {
      const mine = runs.filter((r) => r.target === label && r.receivers === receivers && r.mode === mode);
      const m = (key) => median(mine.map((r) => r[key]));
      medians[label] = { rate: m('deliveriesPerSec'), perCpu: m('deliveriesPerCpuSecond') };
      const perLoad = (key) =>
        Array.from({ length: loadConfig.processes }, (_, i) => percent(median(mine.map((r) => r[key][i])))).join(' + ');
      rows.push([
        label,
        mode === 'rate' ? `rate ${opts.rate}/s` : mode,
        receivers,
        senders,
        fmt(m('deliveriesPerSec')),
        fmt(m('deliveriesPerCpuSecond')),
        fmt(m('p50Ms')),
        fmt(m('p99Ms')),
        percent(m('serverCpu')),
        percent(m('serverCpuWait')),
        perLoad('loadCpus'),
        perLoad('loadWaits'),
        verdicts(mine),
        fmt(m('serverRssKiB') / 1024, 1),
        mine.some((r) => r.missing || r.disconnected) ? 'LOSS' : 'ok',
      ]);
    }
    // Each netchat build against every reference; later builds also against the first one.
    const builds = targets.filter((t) => t.name === 'netchat');
    for (const netchat of builds) {
      const mine = medians[netchat.label];
      const references = targets.filter((t) => t.name !== 'netchat');
      if (netchat !== builds[0]) references.push(builds[0]);
      for (const reference of references) {
        const theirs = medians[reference.label];
        if (!mine?.rate || !theirs?.rate) continue;
        const goal = mode === 'throughput' ? GOALS[reference.name] : undefined;
        const ratio = mine.rate / theirs.rate;
        const perCpu = mine.perCpu / theirs.perCpu;
        const verdict = goal === undefined ? '' : ` (target ≥ ${goal.toFixed(1)}× at 500 receivers: ${receivers !== 500 ? 'not this size' : ratio >= goal ? 'met' : 'MISSED'})`;
        ratios.push(
          `R=${receivers} ${mode}: ${netchat.label}/${reference.label} = ${ratio.toFixed(2)}× deliveries/s${verdict}, ` +
            `${perCpu.toFixed(2)}× deliveries per server CPU-second`,
        );
      }
    }
  }
}

const loadRange = `${Math.min(...loadAverages).toFixed(1)}–${Math.max(...loadAverages).toFixed(1)}`;
process.stdout.write(
  `\n${machine()}\nChat fan-out, medians of ${repeat} runs (${opts.duration} s windows after ${opts.warmup} s warm-up, ` +
    `${opts.size}-byte texts, ${loadConfig.processes} load processes, 127.0.0.1; 1-min load average ${loadRange} before the runs)\n\n`,
);
process.stdout.write(
  `${table(
    ['target', 'mode', 'R', 'S', 'deliveries/s', 'per CPU-s', 'p50 ms', 'p99 ms', 'server CPU', 'CPU wait', 'load CPU', 'load wait', 'saturated', 'server RSS MiB', 'check'],
    rows,
  )}\n\n`,
);
if (ratios.length) process.stdout.write(`${ratios.join('\n')}\n`);
process.stdout.write(
  '\nCPU columns are shares of one core over the window; wait = runnable but waiting for a core. saturated, per\n' +
    'round: server or load = that side (a load process) was running or waiting ≥ 90 % of the window, both = both\n' +
    'were (the cores were short), — = neither (the window or the fixed rate set the pace).\n',
);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ options: opts, runs }, null, 2)}\n`);
