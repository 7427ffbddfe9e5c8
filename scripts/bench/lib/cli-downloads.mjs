// The same file downloaded through netchat's own commands: `netchat serve` sharing it, and
// `netchat join` in a pipe running `/download` over TCP, then `/download --udp`, each timed from
// the client's spawn to its exit (both pay the same start-up, so their ratio is fair). Loopback,
// Node from dist/. Used by udp-transfer.mjs for its "vs netchat TCP" column.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/cli.mjs');
const BIN = path.join(ROOT, 'node_modules/.bin');
/** `--cli-runtime`: the runtime that runs dist/cli.mjs, for the server and the client alike. */
const COMMANDS = { node: [process.execPath], bun: [path.join(BIN, 'bun')], deno: [path.join(BIN, 'deno'), 'run', '-A'] };
let command = COMMANDS.node;

function cli(args, options) {
  return spawn(command[0], [...command.slice(1), CLI, ...args], options);
}

function startServe(shared) {
  const child = cli(['serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', shared], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      err += chunk;
      const match = /listening on \S+:(\d+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
}

function download(port, name, directory, udp) {
  const started = performance.now();
  const child = cli(['join', `bench${udp ? 'u' : 't'}${Math.floor(Math.random() * 1e6)}`, '127.0.0.1', String(port), '--download-dir', directory, '--quiet'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  child.stdin.end(`/download ${name}${udp ? ' --udp' : ' --tcp'}\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('download did not finish in 10 minutes'));
    }, 600_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`join exited ${code}: ${err}`));
    });
  });
}

/** Median MiB/s of netchat TCP and UDP downloads of `file` (`sizeMiB`), `rounds` each, alternating. */
export async function cliDownloads({ file, sizeMiB, rounds, dir, runtime = 'node' }) {
  command = COMMANDS[runtime];
  const shared = path.join(dir, 'cli-shared');
  mkdirSync(shared, { recursive: true });
  copyFileSync(file, path.join(shared, 'payload.bin'));
  const { child, port } = await startServe(shared);
  const times = { tcp: [], udp: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const udp of round % 2 === 0 ? [false, true] : [true, false]) {
        const directory = path.join(dir, `cli-dl-${round}-${udp ? 'udp' : 'tcp'}`);
        const ms = await download(port, 'payload.bin', directory, udp);
        rmSync(directory, { recursive: true, force: true });
        times[udp ? 'udp' : 'tcp'].push(sizeMiB / (ms / 1000));
        console.error(`  netchat CLI ${udp ? 'UDP' : 'TCP'} round ${round + 1}: ${(sizeMiB / (ms / 1000)).toFixed(1)} MiB/s`);
      }
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(shared, { recursive: true, force: true });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { tcp: median(times.tcp), udp: median(times.udp) };
}
