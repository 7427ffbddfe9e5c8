// Idle-connection memory: how much resident memory each connected, registered, idle client
// costs the server. netchat, the batched reference (netchat's output batching without its
// checks) and the bare Node broadcast loop, measured the same way in one run:
//   1. start the server; connect a few warm clients; wait until the server's CPU is idle;
//      read its RSS (VmRSS)                                                     → before
//   2. connect and register N idle clients from a separate load process; wait until every
//      client has received everything the server sent and the server's CPU is idle again
//      → after;  per client = (after − before) / N
// The server is not asked to collect garbage (it has no such switch): RSS includes whatever
// garbage V8 has not collected yet, so the figure is an upper bound of the live cost.
//
//   npm run build && node scripts/bench/idle-memory.mjs [--clients 10000] [--repeat 1]
//       [--targets netchat,batched,bare] [--dist DIR] [--warm 10] [--runtime node]
// --dist measures netchat from another built dist/; given twice, both builds run side by side.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, jsonEvents, rssKiB, spawnRaised, stopChild } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { DEFAULT_DIST, describeNetchatBuild, expandTargets, ROOT, startTarget } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    targets: { type: 'string', default: 'netchat,batched,bare' },
    dist: { type: 'string', multiple: true, default: [DEFAULT_DIST] },
    warm: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    runtime: { type: 'string', default: 'node' },
  },
});
const clients = Number(opts.clients);
const targets = expandTargets(
  opts.targets.split(',').map((s) => s.trim()).filter(Boolean),
  opts.dist,
);
const TARGET_KIB_PER_CLIENT = 16;
const PHASE_TIMEOUT_MS = 240_000;

/** Resolves once the process used (almost) no CPU for two consecutive 250 ms intervals. */
async function cpuIdle(pid, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = cpuSeconds(pid);
  let calm = 0;
  while (calm < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = cpuSeconds(pid);
    calm = now - last <= 0.01 ? calm + 1 : 0;
    last = now;
  }
}

async function measure(target) {
  const server = await startTarget(target.name, { runtime: opts.runtime, dist: target.dist });
  const config = {
    port: server.port,
    protocol: server.protocol,
    warm: Number(opts.warm),
    clients,
    concurrency: Number(opts.concurrency),
  };
  const load = spawnRaised(process.execPath, [path.join(ROOT, 'scripts/bench/idle-memory-load.mjs'), JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const next = jsonEvents(load, PHASE_TIMEOUT_MS);
  try {
    await next('warm');
    await cpuIdle(server.pid);
    const before = rssKiB(server.pid);
    load.stdin.write('go\n');
    const joined = await next('joined');
    await cpuIdle(server.pid);
    const after = rssKiB(server.pid);
    return {
      target: target.label,
      clients,
      beforeKiB: before,
      afterKiB: after,
      perClientKiB: (after - before) / clients,
      registeredMs: joined.registeredMs,
      settledMs: joined.settledMs,
      bytesToClients: joined.bytesReceived,
    };
  } finally {
    await server.stop();
    await stopChild(load);
  }
}

const builds = [...new Set(targets.filter((t) => t.name === 'netchat').map((t) => t.dist))];
const machine = () =>
  `${builds.map((dist) => `${describeNetchatBuild(dist)}; `).join('')}Node ${process.version}, ${os.cpus().length} CPUs, ` +
  `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
process.stderr.write(`${machine()}\n`);
const results = [];
for (let round = 1; round <= Number(opts.repeat); round++) {
  for (const target of targets) {
    const result = await measure(target);
    results.push(result);
    process.stderr.write(
      `[${round}/${opts.repeat}] ${target.label.padEnd(8)} ${clients} clients: RSS ${fmt(result.beforeKiB / 1024, 1)} → ` +
        `${fmt(result.afterKiB / 1024, 1)} MiB, ${fmt(result.perClientKiB)} KiB per client ` +
        `(registered in ${fmt(result.registeredMs / 1000, 1)} s, all sent after ${fmt(result.settledMs / 1000, 1)} s, ${fmt(result.bytesToClients / 1048576, 1)} MiB to clients)\n`,
    );
  }
}

const perClient = (label) => median(results.filter((r) => r.target === label).map((r) => r.perClientKiB));
const rows = targets.map(({ label }) => {
  const mine = results.filter((r) => r.target === label);
  const m = (key) => median(mine.map((r) => r[key]));
  return [
    label,
    clients,
    fmt(m('beforeKiB') / 1024, 1),
    fmt(m('afterKiB') / 1024, 1),
    fmt(m('perClientKiB')),
    fmt(m('registeredMs') / 1000, 1),
  ];
});
process.stdout.write(`\n${machine()}\nIdle connections, median of ${opts.repeat} run(s), server RSS (VmRSS)\n\n`);
process.stdout.write(
  `${table(['target', 'clients', 'RSS before MiB', 'RSS after MiB', 'KiB per client', 'register s'], rows)}\n\n`,
);
// Each netchat build against the limit and every reference; later builds also against the first.
const netchatBuilds = targets.filter((t) => t.name === 'netchat');
for (const netchat of netchatBuilds) {
  const mine = perClient(netchat.label);
  if (!Number.isFinite(mine)) continue;
  const references = targets.filter((t) => t.name !== 'netchat');
  if (netchat !== netchatBuilds[0]) references.push(netchatBuilds[0]);
  const ratios = references
    .filter((reference) => Number.isFinite(perClient(reference.label)))
    .map((reference) => `${(mine / perClient(reference.label)).toFixed(2)}× ${reference.label}'s ${fmt(perClient(reference.label))} KiB`);
  process.stdout.write(
    `${netchat.label}: ${fmt(mine)} KiB per idle client (target ≤ ${TARGET_KIB_PER_CLIENT} KiB at 10,000 clients: ` +
      `${clients !== 10_000 ? 'not this size' : mine <= TARGET_KIB_PER_CLIENT ? 'met' : 'MISSED'})` +
      `${ratios.length ? `; ${ratios.join(', ')}` : ''}\n`,
  );
}
