// Chat fan-out benchmark: R receivers and S senders in one room, netchat side by side with a
// bare Node broadcast loop and InspIRCd, the same load generator for all three, in one run.
// Runs alternate between targets and repeat; the table shows medians and netchat's ratios.
//
//   npx unbuild && node scripts/bench/fanout.mjs [options]
//
//   --targets netchat,bare,inspircd   servers to measure (default: all three)
//   --receivers 500                   receivers R (a comma list runs each size)
//   --senders 5                       senders S
//   --mode throughput,rate            as fast as accepted, and/or a fixed total rate
//   --rate 200                        messages/s in rate mode (all senders together)
//   --size 64                         message text bytes
//   --warmup 2 --duration 5           seconds of load before and during measurement
//   --repeat 3                        rounds; each round runs every target once
//   --window 1000                     throughput mode: most messages not yet fully delivered
//   --runtime node                    netchat under node, bun or deno
//   --json <file>                     also write every run's figures as JSON
//
// Everything runs on 127.0.0.1; every run is bounded; children die with the script.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, onJsonLines, rssKiB, schedSeconds, spawnRaised, stopChild } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { describeNetchatBuild, ROOT, startTarget } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    targets: { type: 'string', default: 'netchat,bare,inspircd' },
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
    runtime: { type: 'string', default: 'node' },
    json: { type: 'string' },
  },
});

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
function positive(name, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}
const targets = list(opts.targets);
const receiverCounts = list(opts.receivers).map((r) => positive('receivers', r));
const modes = list(opts.mode);
for (const mode of modes) if (mode !== 'throughput' && mode !== 'rate') throw new Error(`unknown --mode ${mode}`);
const senders = positive('senders', opts.senders);
const repeat = positive('repeat', opts.repeat);
const RUN_TIMEOUT_MS = 180_000;

async function runOnce(targetName, receivers, mode) {
  const server = await startTarget(targetName, { runtime: opts.runtime });
  const config = {
    host: '127.0.0.1',
    port: server.port,
    protocol: server.protocol,
    receivers,
    senders,
    mode,
    rate: positive('rate', opts.rate),
    size: positive('size', opts.size),
    warmupMs: positive('warmup', opts.warmup) * 1000,
    durationMs: positive('duration', opts.duration) * 1000,
    window: positive('window', opts.window),
    probes: positive('probes', opts.probes),
  };
  const load = spawnRaised(process.execPath, [path.join(ROOT, 'scripts/bench/fanout-load.mjs'), JSON.stringify(config)]);
  try {
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${targetName}: run did not finish in ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
      let cpuAtStart = 0;
      let serverCpu = Number.NaN;
      let schedAtStart;
      let serverWait = Number.NaN;
      let setupMs = Number.NaN;
      onJsonLines(load, (message) => {
        if (message.event === 'ready') setupMs = message.setupMs;
        else if (message.event === 'window-start') {
          cpuAtStart = cpuSeconds(server.pid);
          schedAtStart = schedSeconds(server.pid);
        } else if (message.event === 'window-end') {
          serverCpu = cpuSeconds(server.pid) - cpuAtStart;
          serverWait = schedSeconds(server.pid).wait - schedAtStart.wait;
        } else if (message.event === 'error') reject(new Error(`${targetName}: ${message.message}`));
        else if (message.event === 'result') {
          clearTimeout(timer);
          resolve({
            ...message,
            serverCpu: serverCpu / message.seconds,
            serverCpuWait: serverWait / message.seconds,
            deliveriesPerCpuSecond: message.deliveries / serverCpu,
            serverRssKiB: rssKiB(server.pid),
            setupMs,
          });
        }
      });
      load.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${targetName}: load generator exited (${code}) without a result:\n${load.recentStderr()}`));
      });
    });
    return { target: targetName, receivers, senders, mode, ...result };
  } finally {
    await stopChild(load);
    await server.stop();
  }
}

function describe(run) {
  const flags = [run.missing ? `missing ${run.missing}` : '', run.disconnected ? `${run.disconnected} disconnected` : '']
    .filter(Boolean)
    .join(', ');
  return (
    `${run.target.padEnd(8)} R=${run.receivers} ${run.mode.padEnd(10)} ` +
    `${fmt(run.deliveriesPerSec)} deliveries/s, ${fmt(run.messagesPerSec)} msgs/s, ` +
    `p50 ${fmt(run.p50Ms)} ms, p99 ${fmt(run.p99Ms)} ms, ` +
    `server cpu ${fmt(run.serverCpu * 100, 0)}% (waited ${fmt(run.serverCpuWait * 100, 0)}%), generator cpu ${fmt(run.generatorCpu * 100, 0)}%, ` +
    `setup ${fmt(run.setupMs / 1000, 1)} s${flags ? ` [${flags}]` : ''}`
  );
}

const machine = `${describeNetchatBuild()}; Node ${process.version}, ${os.cpus().length} CPUs, load average at start ${os.loadavg()[0].toFixed(1)}`;
process.stderr.write(`${machine}\n`);
const runs = [];
for (const receivers of receiverCounts) {
  for (const mode of modes) {
    for (let round = 1; round <= repeat; round++) {
      for (const target of targets) {
        const run = await runOnce(target, receivers, mode);
        runs.push({ round, ...run });
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
    for (const target of targets) {
      const mine = runs.filter((r) => r.target === target && r.receivers === receivers && r.mode === mode);
      const m = (key) => median(mine.map((r) => r[key]));
      medians[target] = { rate: m('deliveriesPerSec'), perCpu: m('deliveriesPerCpuSecond') };
      rows.push([
        target,
        mode === 'rate' ? `rate ${opts.rate}/s` : mode,
        receivers,
        senders,
        fmt(m('deliveriesPerSec')),
        fmt(m('deliveriesPerCpuSecond')),
        fmt(m('p50Ms')),
        fmt(m('p99Ms')),
        `${fmt(m('serverCpu') * 100, 0)}%`,
        `${fmt(m('serverCpuWait') * 100, 0)}%`,
        `${fmt(m('generatorCpu') * 100, 0)}%`,
        fmt(m('serverRssKiB') / 1024, 1),
        mine.some((r) => r.missing || r.disconnected) ? 'LOSS' : 'ok',
      ]);
    }
    if (mode === 'throughput' && medians.netchat?.rate) {
      for (const [reference, goal] of [
        ['bare', 0.8],
        ['inspircd', 1.0],
      ]) {
        if (!medians[reference]) continue;
        const ratio = medians.netchat.rate / medians[reference].rate;
        const perCpu = medians.netchat.perCpu / medians[reference].perCpu;
        ratios.push(
          `R=${receivers}: netchat/${reference} = ${ratio.toFixed(2)}× deliveries/s ` +
            `(target ≥ ${goal.toFixed(1)}× at 500 receivers: ` +
            `${receivers !== 500 ? 'not this size' : ratio >= goal ? 'met' : 'MISSED'}), ` +
            `${perCpu.toFixed(2)}× deliveries per server CPU-second`,
        );
      }
    }
  }
}

process.stdout.write(
  `\n${machine}\nChat fan-out, medians of ${repeat} runs (${opts.duration} s windows after ${opts.warmup} s warm-up, ` +
    `${opts.size}-byte texts, 127.0.0.1)\n\n`,
);
process.stdout.write(
  `${table(
    ['target', 'mode', 'R', 'S', 'deliveries/s', 'per CPU-s', 'p50 ms', 'p99 ms', 'server CPU', 'CPU wait', 'load CPU', 'server RSS MiB', 'check'],
    rows,
  )}\n\n`,
);
if (ratios.length) process.stdout.write(`${ratios.join('\n')}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ options: opts, runs }, null, 2)}\n`);
