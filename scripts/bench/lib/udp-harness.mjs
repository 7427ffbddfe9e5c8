// Runs one UDP transfer between two processes of the transfer harness
// (test/helpers/udp-transfer-harness.ts, bundled by esbuild so node, bun and deno all run the
// same JavaScript), optionally each inside a network namespace, and collects both reports.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { onJsonLines, spawnRaised, stopChild } from './processes.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'node_modules/.bin');

/** How to start a JavaScript file under each runtime. */
export const RUNTIME_COMMANDS = {
  node: [process.execPath],
  bun: [path.join(BIN, 'bun')],
  // With netchat's deno.json, as `deno run -A src/cli.ts` finds it (the bundle lives elsewhere):
  // its unstable `net` feature gives Deno's own datagrams (src/runtime/deno-udp.ts).
  deno: [path.join(BIN, 'deno'), 'run', '-A', '--config', path.join(ROOT, 'deno.json')],
};

export async function bundleHarness(outFile) {
  await build({
    entryPoints: [path.join(ROOT, 'test/helpers/udp-transfer-harness.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: outFile,
    logLevel: 'warning',
  });
  return outFile;
}

function spawnIn(namespace, runtime, args) {
  const command = [...RUNTIME_COMMANDS[runtime], ...args];
  return namespace ? spawnRaised('ip', ['netns', 'exec', namespace, ...command]) : spawnRaised(command[0], command.slice(1));
}

function reports(child) {
  const queue = [];
  const waiting = [];
  onJsonLines(child, (report) => (waiting.length ? waiting.shift()(report) : queue.push(report)));
  return () =>
    new Promise((resolve, reject) => {
      if (queue.length) return resolve(queue.shift());
      waiting.push(resolve);
      child.exited.then((code) => reject(new Error(`harness exited (${code}) without a report:\n${child.recentStderr()}`)));
    });
}

/**
 * Send `file` from a harness in `sender.namespace` (listening on `sender.address`) to one in
 * `receiver.namespace` writing `out`. Resolves with both reports and the receiver's wall time.
 */
export async function runTransfer({ harness, runtime, senderRuntime = runtime, file, out, sender, receiver, limits = {}, datagram, timeoutMs = 600_000 }) {
  const limitsJson = JSON.stringify(limits);
  const sending = spawnIn(sender.namespace, senderRuntime, [harness, 'send', '--host', sender.address, '--file', file, '--limits', limitsJson]);
  const nextSent = reports(sending);
  const { listening } = await nextSent();
  const args = [harness, 'receive', '--connect', `${sender.address}:${listening}`, '--bind', receiver.address, '--out', out, '--limits', limitsJson];
  if (datagram) args.push('--datagram', String(datagram));
  const started = performance.now();
  const receiving = spawnIn(receiver.namespace, runtime, args);
  const timer = setTimeout(() => {
    void stopChild(receiving);
    void stopChild(sending);
  }, timeoutMs);
  try {
    const [received, sent] = await Promise.all([reports(receiving)(), nextSent()]);
    const wallMs = performance.now() - started;
    await Promise.all([receiving.exited, sending.exited]);
    return { received, sent, wallMs };
  } finally {
    clearTimeout(timer);
    await Promise.all([stopChild(receiving), stopChild(sending)]);
  }
}
