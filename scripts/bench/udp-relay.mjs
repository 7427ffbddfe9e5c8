#!/usr/bin/env node
// UDP chat relay rate: `netchat udp-serve` side by side with a bare node:dgram relay loop
// (scripts/bench/reference/bare-udp-relay.mjs) in the same run, on the same runtime.
//
//   npx unbuild && node scripts/bench/udp-relay.mjs [--rounds 5] [--seconds 2] [--clients 100]
//                                                  [--window 32] [--payload 32] [--runtime node|bun|deno]
//
// Every round starts both servers fresh (a chat keeps its users) and runs the one load
// generator (scripts/bench/udp-relay-load.mjs, a separate Node process) against each in turn,
// alternating which goes first, so that load from anything else on the machine falls on both
// alike. The generator joins --clients clients and keeps --window messages in flight, each
// relayed by the server to every client. Reported: medians over the rounds of datagrams
// delivered per second, the worst client's loss, server CPU time per delivered datagram (from
// /proc, so Linux only), the generator's CPU share, and the system-wide RcvbufErrors delta from
// /proc/net/snmp (datagrams the kernel dropped at a full receive buffer) during each run. netchat
// runs with its rate limit and send cap off: the benchmark measures relaying, not the limits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, spawnRaised, stopChild, waitForOutput } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { describeNetchatBuild } from './lib/targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
    clients: { type: 'string', default: '100' },
    window: { type: 'string', default: '32' },
    payload: { type: 'string', default: '32' },
    runtime: { type: 'string', default: 'node' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50) || !(seconds > 0 && seconds <= 30)) {
  console.error('--rounds 1..50, --seconds up to 30');
  process.exit(2);
}

const NETCHAT_FLAGS = ['--flood-burst', '0', '--max-send-rate', '0', '--max-clients', '100000', '--idle-timeout', '0'];

function commands(runtime) {
  const bare = path.join(ROOT, 'scripts/bench/reference/bare-udp-relay.mjs');
  const cli = path.join(ROOT, 'dist/cli.mjs');
  switch (runtime) {
    case 'node':
      if (!existsSync(cli)) throw new Error('dist/cli.mjs is missing: run `npx unbuild` first');
      return { netchat: [process.execPath, [cli]], bare: [process.execPath, [bare]] };
    case 'bun': {
      const bun = path.join(ROOT, 'node_modules/.bin/bun');
      return { netchat: [bun, [path.join(ROOT, 'src/cli.ts')]], bare: [bun, [bare]] };
    }
    case 'deno': {
      const deno = path.join(ROOT, 'node_modules/.bin/deno');
      const run = ['run', '-A', '--quiet'];
      return { netchat: [deno, [...run, path.join(ROOT, 'src/cli.ts')]], bare: [deno, [...run, bare]] };
    }
    default:
      throw new Error(`--runtime must be node, bun or deno, got "${runtime}"`);
  }
}

/** The Udp line of /proc/net/snmp as { field: value }. */
function udpCounters() {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const [names, numbers] = lines.map((line) => line.split(/\s+/).slice(1));
  return Object.fromEntries(names.map((name, i) => [name, Number(numbers[i])]));
}

async function startServer(name, [command, prefix], args) {
  const child = spawnRaised(command, [...prefix, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  const [, port] = await waitForOutput(child, /listening on 127\.0\.0\.1:(\d+)/, 15_000, name);
  return { name, child, pid: child.pid, port: Number(port) };
}

/** One generator run against `server`; resolves with its report, the server's CPU and the kernel's drops. */
function runLoad(server) {
  const script = path.join(ROOT, 'scripts/bench/udp-relay-load.mjs');
  const args = [script, '--port', String(server.port), '--clients', values.clients, '--window', values.window];
  args.push('--seconds', values.seconds, '--warmup', values.warmup, '--payload', values.payload);
  const cpuBefore = cpuSeconds(server.pid);
  const snmpBefore = udpCounters();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (output += text));
  const limit = setTimeout(() => child.kill('SIGKILL'), (seconds + Number(values.warmup) + 90) * 1000);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(limit);
      if (code !== 0) return reject(new Error(`load generator against ${server.name} exited with ${code}`));
      const report = JSON.parse(output);
      const serverCpu = cpuSeconds(server.pid) - cpuBefore;
      const rcvbufErrors = udpCounters().RcvbufErrors - snmpBefore.RcvbufErrors;
      resolve({ ...report, rcvbufErrors, serverCpuMicrosPerDelivery: (serverCpu * 1e6) / report.deliveries });
    });
  });
}

const cmd = commands(values.runtime);
const loadBefore = os.loadavg();
const results = { netchat: [], bare: [] };
for (let round = 0; round < rounds; round++) {
  const netchat = await startServer('netchat', cmd.netchat, ['udp-serve', '--host', '127.0.0.1', '--port', '0', ...NETCHAT_FLAGS]);
  const bare = await startServer('bare', cmd.bare, ['--host', '127.0.0.1', '--port', '0']);
  try {
    for (const server of round % 2 === 0 ? [bare, netchat] : [netchat, bare]) {
      const report = await runLoad(server);
      results[server.name].push(report);
      process.stderr.write(
        `round ${round + 1}/${rounds}, ${server.name.padEnd(7)} ${fmt(report.deliveriesPerSecond)} deliveries/s, ` +
          `worst client loss ${fmt(report.maxLoss * 100)} %, RcvbufErrors +${report.rcvbufErrors}, ` +
          `generator CPU ${fmt(report.generatorCpuShare * 100, 0)} %\n`,
      );
    }
  } finally {
    await Promise.all([stopChild(netchat.child), stopChild(bare.child)]);
  }
}
const loadAfter = os.loadavg();

const of = (name, field) => median(results[name].map((report) => report[field]));
const ratios = results.netchat.map((report, i) => report.deliveriesPerSecond / results.bare[i].deliveriesPerSecond);
const row = (name) => [
  name,
  fmt(of(name, 'deliveriesPerSecond')),
  fmt(Math.max(...results[name].map((r) => r.maxLoss)) * 100),
  fmt(of(name, 'maxLoss') * 100),
  results[name].map((r) => r.rcvbufErrors).join(' '),
  fmt(of(name, 'serverCpuMicrosPerDelivery'), 2),
  fmt(of(name, 'generatorCpuShare') * 100, 0),
];
const [runtimeCommand] = cmd.bare;
const version = spawnSync(runtimeCommand, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
console.log(
  `\nUDP chat relay, servers on ${values.runtime} ${version} (${describeNetchatBuild()}): medians of ${rounds} rounds of ` +
    `${seconds} s, ${values.clients} clients, ${values.window} messages in flight, ${values.payload}-byte messages\n` +
    `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after\n`,
);
console.log(
  table(
    ['server', 'deliveries/s', 'worst client loss % (any round)', 'worst client loss % (median)', 'RcvbufErrors per run', 'server CPU µs/delivery', 'generator CPU %'],
    [row('bare'), row('netchat')],
  ),
);
console.log(
  `\nnetchat/bare deliveries: ${fmt(median(ratios))} (median; per round ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}); ` +
    `target ≥ 0.80, and no client's loss above the bare loop's`,
);
