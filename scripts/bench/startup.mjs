#!/usr/bin/env node
// Start-up cost of `netchat --version`: the compiled binary and Node running dist/, side by side
// with `node -e 0` (the floor for anything run by Node) in the same run, alternating so that
// machine load hits all three alike. Prints medians, ratios to `node -e 0`, and peak memory.
//
//   npm run build && npm run compile:host && node scripts/bench/startup.mjs [--runs 40]
//
// Wall time: spawnSync around each run, from this process (same overhead for every command).
// Peak memory: maximum resident set size from GNU time (`/usr/bin/time -f %M`, Debian package
// `time`), measured in separate runs so that the wrapper does not count in the wall time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const os = process.platform === 'win32' ? 'windows' : process.platform;
const BINARY = path.join(ROOT, 'dist/bin', `netchat-${os}-${process.arch}${os === 'windows' ? '.exe' : ''}`);
const GNU_TIME = '/usr/bin/time';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 30 : Number(process.argv[runsFlag + 1]);
const WARMUP = 3;
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 1000) {
  console.error('--runs must be a whole number from 1 to 1000');
  process.exit(2);
}

const subjects = [
  { name: 'binary --version', file: BINARY, args: ['--version'] },
  { name: 'node dist/cli.mjs --version', file: process.execPath, args: [path.join(ROOT, 'dist/cli.mjs'), '--version'] },
  { name: 'node -e 0', file: process.execPath, args: ['-e', '0'], reference: true },
];
for (const { file, args } of subjects) {
  const target = file === process.execPath ? args[0] : file;
  if (target !== '-e' && !existsSync(target)) {
    console.error(`missing ${path.relative(ROOT, target)}: run npm run build && npm run compile:host first`);
    process.exit(1);
  }
}

function once({ file, args }) {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.status ?? result.signal}`);
  return ms;
}

/** Peak RSS in KiB, or undefined without GNU time. */
function peakKiB({ file, args }) {
  if (!existsSync(GNU_TIME)) return undefined;
  const result = spawnSync(GNU_TIME, ['-f', '%M', file, ...args], { encoding: 'utf8' });
  const kib = Number(result.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kib) ? kib : undefined;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

for (let i = 0; i < WARMUP; i++) for (const s of subjects) once(s);
const times = subjects.map(() => []);
const memory = subjects.map(() => []);
for (let i = 0; i < RUNS; i++) {
  // Rotate the order each round so no command always runs right after another.
  for (let j = 0; j < subjects.length; j++) {
    const k = (i + j) % subjects.length;
    times[k].push(once(subjects[k]));
  }
}
for (let i = 0; i < Math.min(RUNS, 10); i++) {
  subjects.forEach((s, k) => {
    const kib = peakKiB(s);
    if (kib !== undefined) memory[k].push(kib);
  });
}

const reference = median(times[subjects.findIndex((s) => s.reference)]);
const rows = subjects.map((s, k) => {
  const ms = median(times[k]);
  const mib = memory[k].length ? (median(memory[k]) / 1024).toFixed(1) : 'n/a';
  return { command: s.name, 'median ms': ms.toFixed(1), 'vs node -e 0': `${(ms / reference).toFixed(2)}×`, 'peak RSS MiB': mib };
});

console.log(`netchat start-up, ${RUNS} alternating runs each (after ${WARMUP} warm-up), ${process.platform}-${process.arch}, Node ${process.versions.node}`);
console.log('');
console.log('| command | median ms | vs `node -e 0` | peak RSS MiB |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| \`${r.command}\` | ${r['median ms']} | ${r['vs node -e 0']} | ${r['peak RSS MiB']} |`);
if (!existsSync(GNU_TIME)) console.log('\n(peak RSS needs GNU time: apt-get install time)');
