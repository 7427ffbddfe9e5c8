// Before/after figures for a change: builds an earlier commit in a temporary git worktree and
// runs the fan-out, idle-memory and upload benchmarks on it and on this checkout's dist/ side by side,
// with the references, in the same runs. The worktree is removed afterwards, however the
// benchmark ends.
//
//   npm run build && node scripts/bench/before-after.mjs --before 45f5e91 [--repeat 3]
//                    [--mode throughput,rate] [--clients 10000] [--upload-rounds 6]
//                    [--skip fanout,memory,upload]
//
// Only the benchmark scripts of this checkout run, so both builds meet the same references
// and the same load generator. Takes about 10 minutes with the defaults.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DIST, ROOT } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    before: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'throughput,rate' },
    clients: { type: 'string', default: '10000' },
    'upload-rounds': { type: 'string', default: '6' },
    skip: { type: 'string', default: '' },
  },
});
if (!opts.before) {
  console.error('usage: before-after.mjs --before <commit> [--repeat 3] [--mode throughput,rate] [--clients 10000] [--upload-rounds 6] [--skip fanout,memory,upload]');
  process.exit(2);
}
if (!existsSync(path.join(DEFAULT_DIST, 'cli.mjs'))) {
  console.error('dist/cli.mjs is missing: run `npm run build` first');
  process.exit(2);
}

const parent = mkdtempSync(path.join(os.tmpdir(), 'netchat-before-'));
const checkout = path.join(parent, 'checkout');
let worktreeAdded = false;
let running;
function cleanUp() {
  // A benchmark still running stops its own servers and load processes on SIGTERM.
  if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGTERM');
  if (worktreeAdded) {
    try {
      execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', checkout], { stdio: 'ignore' });
    } catch {}
    worktreeAdded = false;
  }
  rmSync(parent, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

function run(command, args, cwd = ROOT) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    running = child;
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', checkout, opts.before], { stdio: 'inherit' });
worktreeAdded = true;
symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
await run('npm', ['run', '--silent', 'build'], checkout);

const dists = ['--dist', path.join(checkout, 'dist'), '--dist', DEFAULT_DIST];
if (!opts.skip.includes('fanout')) {
  await run(process.execPath, [path.join(ROOT, 'scripts/bench/fanout.mjs'), ...dists, '--mode', opts.mode, '--repeat', opts.repeat]);
}
if (!opts.skip.includes('memory')) {
  await run(process.execPath, [path.join(ROOT, 'scripts/bench/idle-memory.mjs'), ...dists, '--clients', opts.clients, '--repeat', opts.repeat]);
}
if (!opts.skip.includes('upload')) {
  await run(process.execPath, [path.join(ROOT, 'scripts/bench/upload-pairs.mjs'), ...dists, '--rounds', opts['upload-rounds']]);
}
