#!/usr/bin/env node
// Echo round trips per second: `netchat echo` side by side with a bare node:net echo loop
// (scripts/bench/reference/bare-echo.mjs) in the same run, on the same runtime.
//
//   npx unbuild && node scripts/bench/echo.mjs [--rounds 5] [--seconds 2] [--clients 1,100]
//                                             [--payload 32] [--runtime node|bun|deno]
//
// Both servers start once and stay up. For each client count, every round runs the one load
// generator (scripts/bench/echo-load.mjs, a separate Node process) against each server in
// turn, alternating which goes first, so that load from anything else on the machine falls on
// both alike. Each client keeps exactly one request outstanding. Reported: medians over the
// rounds of round trips per second, of server CPU time per round trip (read from /proc, so
// Linux only), and the ratio netchat/bare. Everything stays on 127.0.0.1 and stops by itself:
// a round takes --warmup + --seconds, and a generator still running 30 s later is killed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, spawnRaised, stopChild, waitForOutput } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
    clients: { type: 'string', default: '1,100' },
    payload: { type: 'string', default: '32' },
    runtime: { type: 'string', default: 'node' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const clientCounts = values.clients.split(',').map(Number);
if (
  !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50) ||
  !(seconds > 0 && seconds <= 30) ||
  !clientCounts.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000)
) {
  console.error('--rounds 1..50, --seconds up to 30, --clients a list of 1..1000');
  process.exit(2);
}

function commands(runtime) {
  const bare = path.join(ROOT, 'scripts/bench/reference/bare-echo.mjs');
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

async function startServer(name, [command, prefix], args) {
  const child = spawnRaised(command, [...prefix, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  const [, port] = await waitForOutput(child, /listening on 127\.0\.0\.1:(\d+)/, 15_000, name);
  return { name, child, pid: child.pid, port: Number(port) };
}

/** One generator run against `server`; resolves with its JSON report plus the server's CPU time. */
function runLoad(server, clients) {
  const script = path.join(ROOT, 'scripts/bench/echo-load.mjs');
  const args = [script, '--port', String(server.port), '--clients', String(clients)];
  args.push('--seconds', values.seconds, '--warmup', values.warmup, '--payload', values.payload);
  const cpuBefore = cpuSeconds(server.pid);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (output += text));
  const limit = setTimeout(() => child.kill('SIGKILL'), (seconds + Number(values.warmup) + 30) * 1000);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(limit);
      if (code !== 0) return reject(new Error(`load generator against ${server.name} exited with ${code}`));
      const report = JSON.parse(output);
      const serverCpu = cpuSeconds(server.pid) - cpuBefore;
      resolve({ ...report, serverCpuMicrosPerRoundTrip: (serverCpu * 1e6) / report.totalRoundTrips });
    });
  });
}

const cmd = commands(values.runtime);
const netchat = await startServer('netchat', cmd.netchat, ['echo', '--host', '127.0.0.1', '--port', '0']);
const bare = await startServer('bare', cmd.bare, ['--host', '127.0.0.1', '--port', '0']);
const results = new Map(); // `${clients}/${name}` → reports
try {
  for (const clients of clientCounts) {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [bare, netchat] : [netchat, bare];
      for (const server of order) {
        const report = await runLoad(server, clients);
        const key = `${clients}/${server.name}`;
        results.set(key, [...(results.get(key) ?? []), report]);
        process.stderr.write(
          `${String(clients).padStart(4)} clients, round ${round + 1}/${rounds}, ${server.name.padEnd(7)} ` +
            `${fmt(report.roundTripsPerSecond)} round trips/s (generator CPU ${fmt(report.generatorCpuShare * 100, 0)} %)\n`,
        );
      }
    }
  }
} finally {
  await Promise.all([stopChild(netchat.child), stopChild(bare.child)]);
}

const of = (clients, name, field) => median(results.get(`${clients}/${name}`).map((report) => report[field]));
/** netchat/bare of each round (the two runs of a round are back to back), lowest and highest. */
function ratioRange(clients) {
  const [bareRuns, netchatRuns] = [results.get(`${clients}/bare`), results.get(`${clients}/netchat`)];
  const ratios = netchatRuns.map((report, i) => report.roundTripsPerSecond / bareRuns[i].roundTripsPerSecond);
  return `${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`;
}
const rows = clientCounts.map((clients) => {
  const [bareRate, netchatRate] = [of(clients, 'bare', 'roundTripsPerSecond'), of(clients, 'netchat', 'roundTripsPerSecond')];
  const [bareCpu, netchatCpu] = [of(clients, 'bare', 'serverCpuMicrosPerRoundTrip'), of(clients, 'netchat', 'serverCpuMicrosPerRoundTrip')];
  return [
    String(clients),
    fmt(bareRate),
    fmt(netchatRate),
    fmt(netchatRate / bareRate),
    ratioRange(clients),
    fmt(bareCpu, 1),
    fmt(netchatCpu, 1),
    fmt(of(clients, 'netchat', 'generatorCpuShare') * 100, 0),
  ];
});
const [runtimeCommand] = cmd.bare;
const version = spawnSync(runtimeCommand, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
console.log(
  `\nEcho round trips, servers on ${values.runtime} ${version}: medians of ${rounds} rounds of ${seconds} s, ` +
    `${values.payload}-byte requests, one outstanding per client\n`,
);
console.log(
  table(
    [
      'clients',
      'bare round trips/s',
      'netchat round trips/s',
      'netchat/bare',
      'per round',
      'bare CPU µs/rt',
      'netchat CPU µs/rt',
      'generator CPU %',
    ],
    rows,
  ),
);
