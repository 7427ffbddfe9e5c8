// One fan-out run against a started server: spawns the load processes (fanout-load.mjs),
// connects them, loads the server for a warm-up and a measured window, checks that every
// message reached every receiver, and returns the run's figures. The measured window is timed
// here, so the server's and every load process's CPU are read over the same interval (/proc).
// FANOUT_LOAD_NODE_ARGS (environment) adds Node flags to the load processes, e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the generator spends its time.
import path from 'node:path';
import { cpuSeconds, jsonEvents, rssKiB, schedSeconds, spawnRaised, stopChild } from './processes.mjs';
import { LatencyHistogram } from './stats.mjs';
import { ROOT } from './targets.mjs';

const LOAD_SCRIPT = path.join(ROOT, 'scripts/bench/fanout-load.mjs');
/** Share of one core above which a process counts as saturated. */
const BUSY = 0.9;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function spawnLoad(config) {
  const child = spawnRaised(process.execPath, [...(process.env.FANOUT_LOAD_NODE_ARGS?.split(' ') ?? []), LOAD_SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return { child, next: jsonEvents(child, config.phaseTimeoutMs) };
}

function sampleCpu(server, loads) {
  return {
    at: performance.now(),
    server: cpuSeconds(server.pid),
    serverSched: schedSeconds(server.pid),
    loads: loads.map((load) => cpuSeconds(load.child.pid)),
    loadScheds: loads.map((load) => schedSeconds(load.child.pid)),
  };
}

/**
 * Which side set the pace of a run. A process whose main thread was running or runnable
 * (waiting for a core) for ≥ 90 % of the window would have gone faster with more CPU: it is
 * saturated even when the machine's other work kept it from a full core. 'server' or 'load'
 * when only that side was, 'both' when both were (the cores were short: more load processes
 * cannot help), '—' when neither was (the window or the fixed rate set the pace).
 */
export function saturatedSide(serverBusy, loadBusy) {
  const server = serverBusy >= BUSY;
  const load = loadBusy.some((busy) => busy >= BUSY);
  if (server && load) return 'both';
  if (server) return 'server';
  if (load) return 'load';
  return '—';
}

/**
 * Run the load against `server` ({ pid, port, protocol }). `config` holds the load fields of
 * fanout-load.mjs plus warmupMs, durationMs, processes and phaseTimeoutMs. `server.ports`, when
 * given, sends load process i to ports[i] instead (cluster nodes: senders are in process 0).
 */
export async function runFanout(server, config) {
  const loadConfig = { ...config, host: '127.0.0.1', port: server.port, protocol: server.protocol };
  const loads = [];
  try {
    const portOf = (index) => server.ports?.[index] ?? server.port;
    loads.push(spawnLoad({ ...loadConfig, index: 0, port: portOf(0) }));
    const controlPort = config.processes > 1 ? (await loads[0].next('control')).port : 0;
    for (let index = 1; index < config.processes; index++) loads.push(spawnLoad({ ...loadConfig, index, controlPort, port: portOf(index) }));
    const ready = await Promise.all(loads.map((load) => load.next('ready')));

    const all = (command) => loads.forEach((load) => load.next.send(command));
    loads[0].next.send({ cmd: 'start' });
    await sleep(config.warmupMs);
    const before = sampleCpu(server, loads);
    all({ cmd: 'window-start' });
    await sleep(config.durationMs);
    all({ cmd: 'window-end' });
    const after = sampleCpu(server, loads);
    const windows = await Promise.all(loads.map((load) => load.next('window')));
    loads[0].next.send({ cmd: 'stop' });
    const { sent } = await loads[0].next('stopped');
    all({ cmd: 'drain', sent });
    const results = await Promise.all(loads.map((load) => load.next('result')));

    const seconds = (after.at - before.at) / 1000;
    const serverCpuSeconds = after.server - before.server;
    const loadCpus = after.loads.map((cpu, i) => (cpu - before.loads[i]) / seconds);
    const serverCpu = serverCpuSeconds / seconds;
    const busy = (after, before) => (after.run - before.run + after.wait - before.wait) / seconds;
    const serverBusy = busy(after.serverSched, before.serverSched);
    const loadBusy = after.loadScheds.map((sched, i) => busy(sched, before.loadScheds[i]));
    const deliveries = windows.reduce((sum, w) => sum + w.deliveries, 0);
    const deliveriesPerSec = windows.reduce((sum, w) => sum + w.deliveries / w.seconds, 0);
    const latencies = new LatencyHistogram();
    for (const result of results) latencies.merge(result.latencies);
    return {
      deliveries,
      seconds,
      deliveriesPerSec,
      messagesPerSec: windows[0].sent / windows[0].seconds,
      deliveriesPerCpuSecond: deliveries / serverCpuSeconds,
      p50Ms: latencies.percentileMs(50),
      p99Ms: latencies.percentileMs(99),
      samples: latencies.total,
      missing: results.reduce((sum, r) => sum + r.missing, 0),
      disconnected: results.reduce((sum, r) => sum + r.disconnected, 0),
      serverCpu,
      serverCpuWait: (after.serverSched.wait - before.serverSched.wait) / seconds,
      serverBusy,
      loadCpus,
      loadWaits: after.loadScheds.map((sched, i) => (sched.wait - before.loadScheds[i].wait) / seconds),
      loadBusy,
      saturated: saturatedSide(serverBusy, loadBusy),
      serverRssKiB: rssKiB(server.pid),
      setupMs: Math.max(...ready.map((r) => r.setupMs)),
    };
  } finally {
    await Promise.all(loads.map((load) => stopChild(load.child)));
  }
}
