// Idle-connection memory: how much resident memory each connected, registered, idle client
// costs the server. netchat and the bare Node broadcast loop, measured the same way in one run:
//   1. start the server; connect a few warm clients; wait until the server's CPU is idle;
//      read its RSS (VmRSS)                                                     → before
//   2. connect and register N idle clients from a separate load process; wait until every
//      client has received everything the server sent and the server's CPU is idle again
//      → after;  per client = (after − before) / N
// The server is not asked to collect garbage (it has no such switch): RSS includes whatever
// garbage V8 has not collected yet, so the figure is an upper bound of the live cost.
//
//   npx unbuild && node scripts/bench/idle-memory.mjs [--clients 10000] [--targets netchat,bare]
//                                                    [--warm 10] [--repeat 1] [--runtime node]
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, onJsonLines, rssKiB, spawnRaised, stopChild } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { describeNetchatBuild, ROOT, startTarget } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    targets: { type: 'string', default: 'netchat,bare' },
    warm: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    runtime: { type: 'string', default: 'node' },
  },
});
const clients = Number(opts.clients);
const targets = opts.targets.split(',').map((s) => s.trim()).filter(Boolean);
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

/** Waits for the load process's reports one by one: `await next('warm')`. */
function eventReader(load) {
  const received = [];
  let check;
  onJsonLines(load, (message) => {
    received.push(message);
    check?.();
  });
  load.on('exit', () => check?.());
  return (wanted) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(reject, new Error(`no '${wanted}' after ${PHASE_TIMEOUT_MS} ms`)), PHASE_TIMEOUT_MS);
      function settle(how, value) {
        clearTimeout(timer);
        check = undefined;
        how(value);
      }
      check = () => {
        const index = received.findIndex((m) => m.event === wanted || m.event === 'error');
        if (index !== -1) {
          const [message] = received.splice(index, 1);
          if (message.event === 'error') settle(reject, new Error(message.message));
          else settle(resolve, message);
        } else if (load.exitCode !== null || load.signalCode !== null) {
          settle(reject, new Error(`load process exited (${load.exitCode ?? load.signalCode}):\n${load.recentStderr()}`));
        }
      };
      check();
    });
}

async function measure(targetName) {
  const server = await startTarget(targetName, { runtime: opts.runtime });
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
  const next = eventReader(load);
  try {
    await next('warm');
    await cpuIdle(server.pid);
    const before = rssKiB(server.pid);
    load.stdin.write('go\n');
    const joined = await next('joined');
    await cpuIdle(server.pid);
    const after = rssKiB(server.pid);
    return {
      target: targetName,
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

const machine = `${describeNetchatBuild()}; Node ${process.version}, ${os.cpus().length} CPUs, load average at start ${os.loadavg()[0].toFixed(1)}`;
process.stderr.write(`${machine}\n`);
const results = [];
for (let round = 1; round <= Number(opts.repeat); round++) {
  for (const target of targets) {
    const result = await measure(target);
    results.push(result);
    process.stderr.write(
      `[${round}/${opts.repeat}] ${target.padEnd(8)} ${clients} clients: RSS ${fmt(result.beforeKiB / 1024, 1)} → ` +
        `${fmt(result.afterKiB / 1024, 1)} MiB, ${fmt(result.perClientKiB)} KiB per client ` +
        `(registered in ${fmt(result.registeredMs / 1000, 1)} s, all sent after ${fmt(result.settledMs / 1000, 1)} s, ${fmt(result.bytesToClients / 1048576, 1)} MiB to clients)\n`,
    );
  }
}

const rows = targets.map((target) => {
  const mine = results.filter((r) => r.target === target);
  const m = (key) => median(mine.map((r) => r[key]));
  return [
    target,
    clients,
    fmt(m('beforeKiB') / 1024, 1),
    fmt(m('afterKiB') / 1024, 1),
    fmt(m('perClientKiB')),
    fmt(m('registeredMs') / 1000, 1),
  ];
});
process.stdout.write(`\n${machine}\nIdle connections, median of ${opts.repeat} run(s), server RSS (VmRSS)\n\n`);
process.stdout.write(
  `${table(['target', 'clients', 'RSS before MiB', 'RSS after MiB', 'KiB per client', 'register s'], rows)}\n\n`,
);
const netchat = median(results.filter((r) => r.target === 'netchat').map((r) => r.perClientKiB));
const bare = median(results.filter((r) => r.target === 'bare').map((r) => r.perClientKiB));
if (Number.isFinite(netchat)) {
  process.stdout.write(
    `netchat: ${fmt(netchat)} KiB per idle client (target ≤ ${TARGET_KIB_PER_CLIENT} KiB at 10,000 clients: ` +
      `${clients !== 10_000 ? 'not this size' : netchat <= TARGET_KIB_PER_CLIENT ? 'met' : 'MISSED'})` +
      (Number.isFinite(bare) ? `; ${(netchat / bare).toFixed(2)}× the bare loop's ${fmt(bare)} KiB\n` : '\n'),
  );
}
