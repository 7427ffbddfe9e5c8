#!/usr/bin/env node
// Standalone executables with `bun build --compile`: dist/bin/netchat-<os>-<arch>[.exe].
//
//   node scripts/compile.mjs                 every target below
//   node scripts/compile.mjs --host          only the machine we are on (what `npm test` needs)
//   node scripts/compile.mjs linux-arm64 …   the named targets
//
// The host target reuses the Bun that runs the build, so it works offline; cross targets make
// Bun fetch that platform's runtime from the npm registry once (then it is cached).
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUN = path.join(ROOT, 'node_modules/.bin', process.platform === 'win32' ? 'bun.exe' : 'bun');

/** netchat name → Bun's --target. */
const TARGETS = {
  'linux-x64': 'bun-linux-x64',
  'linux-arm64': 'bun-linux-arm64',
  'darwin-x64': 'bun-darwin-x64',
  'darwin-arm64': 'bun-darwin-arm64',
  'windows-x64': 'bun-windows-x64',
  // Bun's default x64 runtime needs AVX2 (Haswell, 2013); baseline runs on any x86-64-v2 CPU.
  'linux-x64-baseline': 'bun-linux-x64-baseline',
  'windows-x64-baseline': 'bun-windows-x64-baseline',
};

export function hostTarget() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `${os}-${process.arch}`;
}

export function binaryPath(target) {
  return path.join(ROOT, 'dist/bin', `netchat-${target}${target.startsWith('windows-') ? '.exe' : ''}`);
}

function compile(target) {
  const outfile = binaryPath(target);
  const args = [
    'build',
    path.join(ROOT, 'src/cli.ts'),
    '--compile',
    `--target=${TARGETS[target]}`,
    // Bytecode skips parsing at start-up; it needs ESM, or Bun only warns and the binary crashes.
    '--bytecode',
    '--format=esm',
    '--minify',
    // The binary must behave the same in any directory: never pick up a stray .env or bunfig.toml.
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    `--outfile=${outfile}`,
  ];
  // Bun inlines process.env.NODE_ENV at build time: the binary must not depend on the shell that
  // built it (NODE_ENV=test, say, would switch its log format).
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(BUN, args, { cwd: ROOT, encoding: 'utf8', env });
  // Bun reports a failed bytecode step on stdout and still exits 0: treat it as the failure it is.
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || /failed to generate bytecode/i.test(output)) {
    process.stderr.write(output);
    throw new Error(`bun build --compile failed for ${target} (exit ${result.status ?? result.signal})`);
  }
  return outfile;
}

function main(argv) {
  const names = argv.includes('--host') ? [hostTarget()] : argv.filter((a) => !a.startsWith('-'));
  const targets = names.length > 0 ? names : Object.keys(TARGETS);
  const unknown = targets.filter((t) => !(t in TARGETS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown target ${unknown.join(', ')}; known: ${Object.keys(TARGETS).join(', ')}\n`);
    process.exit(2);
  }
  mkdirSync(path.join(ROOT, 'dist/bin'), { recursive: true });
  for (const target of targets) {
    const started = performance.now();
    const outfile = compile(target);
    const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${path.relative(ROOT, outfile)}  ${mb} MiB  (${seconds} s)\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
