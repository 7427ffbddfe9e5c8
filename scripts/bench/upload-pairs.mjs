#!/usr/bin/env node
// One `send-file` upload at a time into a fresh `serve`, for two or more builds taking turns:
// what a change to the upload path costs or saves, when the machine's load swings more than the
// change does. Each round uploads the same generated file once per build, the order reversed
// every other round; each upload gets a new server and a new shared folder.
//
//   npm run build && node scripts/bench/upload-pairs.mjs --dist /path/to/before/dist --dist dist
//   (or through before-after.mjs, which builds the earlier commit itself)
//
//   --dist DIR       a built dist/ (twice or more; default: ./dist alone)
//   --rounds 6       uploads per build
//   --size 1g        the generated file
//   --dir PATH       where the file and the shared folders go (default: /dev/shm when it exists,
//                    so that the disk does not set the pace)
//
// Per upload: wall time from the client's spawn to its exit (the server has checked the hash and
// named the file by then), the server's CPU time and minor page faults during it (/proc), and
// the server's peak RSS (VmHWM) — all of the server's life, start included.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize, writeGeneratedFile } from './lib/generated-files.mjs';
import { cpuSeconds } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { DEFAULT_DIST, describeNetchatBuild, netchatCommand, startNetchat } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true, default: [DEFAULT_DIST] },
    rounds: { type: 'string', default: '6' },
    size: { type: 'string', default: '1g' },
    dir: { type: 'string' },
  },
});
const rounds = Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`--rounds must be a whole number from 1 to 100, not "${opts.rounds}"`);
const size = parseSize(opts.size, '--size');
const base = opts.dir ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const work = mkdtempSync(path.join(base, 'netchat-upload-pairs-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
const file = path.join(work, 'upload.bin');
writeGeneratedFile(file, size);

function procStatus(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function minorFaults(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

function exited(child) {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`send-file exited with ${code}`))));
  });
}

async function uploadOnce(dist, index) {
  const shared = path.join(work, `shared-${index}`);
  mkdirSync(shared);
  const server = await startNetchat({ dist, extraArgs: ['--shared-dir', shared] });
  try {
    const [cpu0, faults0] = [cpuSeconds(server.pid), minorFaults(server.pid)];
    const [command, prefix] = netchatCommand('node', dist);
    const started = performance.now();
    await exited(spawn(command, [...prefix, 'send-file', '--quiet', file, '127.0.0.1', String(server.port)], { stdio: 'ignore' }));
    const seconds = (performance.now() - started) / 1000;
    return {
      seconds,
      serverCpu: cpuSeconds(server.pid) - cpu0,
      faults: minorFaults(server.pid) - faults0,
      peakMiB: procStatus(server.pid, 'VmHWM'),
    };
  } finally {
    await server.stop();
    rmSync(shared, { recursive: true, force: true });
  }
}

const runs = new Map(opts.dist.map((dist) => [dist, []]));
let index = 0;
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? opts.dist : [...opts.dist].reverse();
  for (const dist of order) runs.get(dist).push(await uploadOnce(dist, index++));
}

const span = (values, digits) => `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
const first = runs.get(opts.dist[0]);
const rows = opts.dist.map((dist, i) => {
  const r = runs.get(dist);
  const pick = (key) => r.map((run) => run[key]);
  return [
    `${i + 1}: ${path.relative(process.cwd(), dist) || dist}`,
    `${fmt(median(pick('seconds')))} (${span(pick('seconds'))})`,
    fmt(median(first.map((run) => run.seconds)) / median(pick('seconds'))),
    `${fmt(median(pick('serverCpu')))} (${span(pick('serverCpu'))})`,
    `${fmt(median(pick('faults')), 0)} (${span(pick('faults'), 0)})`,
    `${fmt(median(pick('peakMiB')), 1)} (${span(pick('peakMiB'), 1)})`,
  ];
});
console.log(`send-file of ${fmt(size / 2 ** 20, 0)} MiB into a fresh serve, ${rounds} rounds, builds taking turns; files in ${base}`);
for (const [i, dist] of opts.dist.entries()) console.log(`  ${i + 1}: ${describeNetchatBuild(dist)}`);
console.log(`  Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log(
  table(['build', 'seconds, median (range)', 'speed vs 1', 'server CPU s', 'server page faults', 'server peak RSS MiB'], rows),
);
console.log('\nMedians, with the range of the rounds in parentheses; speed vs 1 = build 1’s median time over this one’s.');
