// The servers a benchmark can measure, each started fresh on 127.0.0.1 as a child process:
//   netchat   — `netchat serve` from a built dist/ (this checkout's by default, or another
//               checkout's with `dist`), or from source under Bun/Deno; flood control off
//   batched   — scripts/bench/reference/batched-broadcast.mjs: netchat's fan-out (one write
//               per connection per tick) and nothing else — the floor
//   bare      — scripts/bench/reference/bare-broadcast.mjs, same wire format, no checks, one
//               write per recipient per line
//   inspircd  — InspIRCd from Debian with scripts/bench/inspircd/inspircd.conf (IRC wire)
// startTarget() resolves with { name, protocol, pid, port, child, stop() }.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, makeTempDir, removeTempDir, spawnRaised, stopChild, waitForOutput } from './processes.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LISTENING = /listening on [\d.]+:(\d+)/;

/**
 * `netchat serve` flags that switch flood control off and lift the connection limits, so the
 * benchmark measures fan-out and memory rather than the protections.
 */
export const NETCHAT_BENCH_FLAGS = [
  '--flood-burst',
  '0',
  '--max-connections',
  '100000',
  '--max-per-ip',
  '100000',
];

/** This checkout's dist/, measured unless a benchmark is given `--dist`. */
export const DEFAULT_DIST = path.join(ROOT, 'dist');
const distCopies = new Map();

/**
 * A private copy of a dist/ (without the compiled binaries), taken once per benchmark: a
 * rebuild in that working tree during a long run (unbuild empties dist/ first) cannot break
 * it, and every run measures the same build.
 */
function netchatDist(dist) {
  if (distCopies.has(dist)) return distCopies.get(dist);
  if (!existsSync(path.join(dist, 'cli.mjs'))) throw new Error(`${dist}/cli.mjs is missing: run \`npm run build\` there first`);
  const copy = makeTempDir('netchat-bench-dist-');
  cpSync(dist, copy, { recursive: true, filter: (source) => source !== path.join(dist, 'bin') });
  distCopies.set(dist, copy);
  return copy;
}

/** The commit of the checkout a dist/ belongs to (`git describe`, `-dirty` if it has changes). */
export function netchatCommit(dist = DEFAULT_DIST) {
  try {
    return execFileSync('git', ['-C', path.dirname(path.resolve(dist)), 'describe', '--always', '--dirty'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown commit';
  }
}

/** Which netchat was measured: the commit, whether the tree had changes, when dist/ was built. */
export function describeNetchatBuild(dist = DEFAULT_DIST) {
  const cli = path.join(dist, 'cli.mjs');
  const built = existsSync(cli) ? statSync(cli).mtime.toISOString().replace(/\.\d+Z$/, 'Z') : 'not built';
  return `netchat ${netchatCommit(dist)} (${path.resolve(dist)}, built ${built})`;
}

/** How to run the netchat CLI under `runtime`: [command, leading arguments]. */
export function netchatCommand(runtime, dist = DEFAULT_DIST) {
  // Bun and Deno run the sources of the checkout the dist/ belongs to.
  const checkout = path.dirname(path.resolve(dist));
  switch (runtime) {
    case 'node':
      return [process.execPath, [path.join(netchatDist(dist), 'cli.mjs')]];
    case 'bun':
      return [path.join(ROOT, 'node_modules/.bin/bun'), [path.join(checkout, 'src/cli.ts')]];
    case 'deno':
      return [path.join(ROOT, 'node_modules/.bin/deno'), ['run', '-A', '--quiet', path.join(checkout, 'src/cli.ts')]];
    default:
      throw new Error(`unknown runtime "${runtime}" (node, bun or deno)`);
  }
}

async function startListening(name, protocol, command, args, options = {}) {
  const child = spawnRaised(command, args, options);
  const match = await waitForOutput(child, LISTENING, 15_000, name);
  return {
    name,
    protocol,
    pid: child.pid,
    port: Number(match[1]),
    child,
    stop: () => stopChild(child),
  };
}

export async function startNetchat({ runtime = 'node', dist = DEFAULT_DIST, extraArgs = [] } = {}) {
  const [command, prefix] = netchatCommand(runtime, dist);
  const args = [...prefix, 'serve', '--port', '0', '--host', '127.0.0.1', ...NETCHAT_BENCH_FLAGS, ...extraArgs];
  return startListening('netchat', 'netchat', command, args, { env: { ...process.env, NO_COLOR: '1' } });
}

/** A reference server from scripts/bench/reference/, speaking the netchat wire format. */
function startReference(name, file) {
  const script = path.join(ROOT, 'scripts/bench/reference', file);
  return startListening(name, 'netchat', process.execPath, [script, '--port', '0', '--host', '127.0.0.1']);
}

const INSPIRCD_BINARIES = ['/usr/sbin/inspircd', '/usr/bin/inspircd', '/usr/lib/inspircd/inspircd'];

export function inspircdBinary() {
  return INSPIRCD_BINARIES.find((file) => existsSync(file));
}

export async function startInspircd() {
  const binary = inspircdBinary();
  if (!binary) throw new Error('InspIRCd is not installed: apt-get install -y inspircd');
  const port = await freePort();
  const runDir = makeTempDir('netchat-bench-inspircd-');
  const template = readFileSync(path.join(ROOT, 'scripts/bench/inspircd/inspircd.conf'), 'utf8');
  const config = path.join(runDir, 'inspircd.conf');
  writeFileSync(config, template.replaceAll('@PORT@', String(port)).replaceAll('@RUNDIR@', runDir));
  writeFileSync(path.join(runDir, 'inspircd.motd'), 'netchat benchmark reference\n');
  // Running as root (as in containers) needs --runasroot; as another user the flag is harmless.
  const child = spawnRaised(binary, ['--nofork', '--nopid', '--runasroot', '--config', config]);
  try {
    await waitForOutput(child, /InspIRCd is now running/, 15_000, 'inspircd');
  } catch (error) {
    removeTempDir(runDir);
    throw error;
  }
  return {
    name: 'inspircd',
    protocol: 'irc',
    pid: child.pid,
    port,
    child,
    stop: async () => {
      await stopChild(child);
      removeTempDir(runDir);
    },
  };
}

export function startTarget(name, options = {}) {
  switch (name) {
    case 'netchat':
      return startNetchat(options);
    case 'batched':
      return startReference('batched', 'batched-broadcast.mjs');
    case 'bare':
      return startReference('bare', 'bare-broadcast.mjs');
    case 'inspircd':
      return startInspircd();
    default:
      throw new Error(`unknown target "${name}" (netchat, batched, bare or inspircd)`);
  }
}

/**
 * The servers a benchmark measures, from its `--targets` names and `--dist` directories, in
 * order: `netchat` becomes one target per dist, labelled `netchat@<commit>` when there are
 * several, so that two builds run side by side in the same run. Each is
 * { label, name, dist } for startTarget(name, { dist }).
 */
export function expandTargets(names, dists = [DEFAULT_DIST]) {
  const targets = [];
  for (const name of names) {
    if (name !== 'netchat') {
      targets.push({ label: name, name, dist: undefined });
      continue;
    }
    for (const dist of dists) {
      let label = dists.length === 1 ? 'netchat' : `netchat@${netchatCommit(dist)}`;
      while (targets.some((t) => t.label === label)) label += "'";
      targets.push({ label, name, dist: path.resolve(dist) });
    }
  }
  return targets;
}
