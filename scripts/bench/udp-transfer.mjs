#!/usr/bin/env node
// UDP file transfer benchmark: the netchat UDP engine against tftp-hpa on loopback, and the
// engine with 5 % of UDP dropped by nftables on that same loopback path, and through a veth link
// without and with that loss, per runtime.
//
//   node scripts/bench/udp-transfer.mjs [--size-mib 256] [--runtimes node,bun,deno] [--rounds 3]
//                                       [--loss 5] [--no-tftp] [--no-cli] [--dir /dev/shm] [--json <file>]
//                                       [--cases loopback,loopback-loss,veth,loss] [--sender node|bun|deno]
//                                       [--cli-runtime node|bun|deno]
//
// With the build in dist/ (and without --no-cli), the same file is also downloaded through
// `netchat serve` and `netchat join` — `/download --tcp` against `/download --udp`, alternating,
// each timed from the client's spawn to its exit — for the "vs netchat TCP" column (Node).
//
// Each case moves the same random file between two processes of the transfer harness (see
// scripts/bench/lib/udp-harness.mjs) and checks it arrived byte for byte (the receiver verifies
// the SHA-256 before it keeps the file; the output is hashed again here). As root, every case
// runs in network namespaces of its own, so the UDP counters (RcvbufErrors) count nothing but
// the benchmark; without root only the loopback cases run, in the host's namespace. Files live
// in /dev/shm when there is one (--dir overrides): on a disk, the kernel's throttling of dirty
// pages sets the pace of a 256 MiB write, and the benchmark would measure the disk.
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { namespacesUnavailable, loopbackNamespace, udpCounters, vethPair } from './lib/netns.mjs';
import { makeTempDir } from './lib/processes.mjs';
import { fmt, median, table } from './lib/stats.mjs';
import { cliDownloads } from './lib/cli-downloads.mjs';
import { tftpFetch, tftpUnavailable } from './lib/tftp.mjs';
import { RUNTIME_COMMANDS, bundleHarness, runTransfer } from './lib/udp-harness.mjs';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const sizeMiB = Number(option('size-mib', '256'));
const runtimes = option('runtimes', 'node,bun,deno').split(',');
const rounds = Number(option('rounds', '3'));
const lossPercent = Number(option('loss', '5'));
const withTftp = !process.argv.includes('--no-tftp');
// Which cases to run, and a fixed runtime for the sender: `--sender node` with `--runtimes bun`
// measures Bun's receiver alone, which tells which side of a slow pair is slow.
const cases = option('cases', 'loopback,loopback-loss,veth,loss').split(',');
const senderRuntime = option('sender', undefined);
const jsonOut = option('json', undefined);
// makeTempDir creates its directory under os.tmpdir(), which follows TMPDIR.
process.env.TMPDIR = option('dir', existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const MiB = 1024 * 1024;
const size = sizeMiB * MiB;

async function sha256Of(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

const dir = makeTempDir('netchat-udp-bench-');
const file = path.join(dir, 'payload.bin');
{
  const fd = openSync(file, 'w');
  const block = Buffer.allocUnsafe(8 * MiB);
  for (let done = 0; done < size; done += block.length) writeSync(fd, randomFillSync(block), 0, Math.min(block.length, size - done));
  closeSync(fd);
}
const expectedSha = await sha256Of(file);
console.error(`load average at the start: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
const harness = await bundleHarness(path.join(dir, 'harness.mjs'));
const noNamespaces = namespacesUnavailable();
if (noNamespaces) console.error(`note: ${noNamespaces}: loopback cases only, in this namespace; no loss case`);

const out = path.join(dir, 'received.bin');
const results = [];

/** One case: the transfer, RcvbufErrors in the receiver's namespace, the loss rule's drops. */
async function measure({ runtime, name, sender, receiver, counterNamespace, dropped = () => 0, datagram }) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    rmSync(out, { force: true });
    const before = udpCounters(counterNamespace);
    const drops = dropped();
    const { received, sent, wallMs } = await runTransfer({ harness, runtime, senderRuntime: senderRuntime ?? runtime, file, out, sender, receiver, datagram });
    const after = udpCounters(counterNamespace);
    if (received.error || sent.error) throw new Error(`${runtime} ${name}: ${received.error ?? sent.error}`);
    const exact = (await sha256Of(out)) === expectedSha;
    const chunks = Math.ceil(size / sent.chunkBytes);
    samples.push({
      mibPerSecond: sizeMiB / (received.elapsedMs / 1000),
      wallMs,
      exact,
      chunkBytes: sent.chunkBytes,
      datagrams: sent.datagramsSent,
      retransmitted: sent.retransmissions,
      extraPercent: (100 * (sent.datagramsSent - chunks)) / chunks,
      rcvbufErrors: after.RcvbufErrors - before.RcvbufErrors,
      ruleDrops: dropped() - drops,
      duplicates: received.duplicates,
    });
    console.error(`  ${runtime} ${name} round ${round + 1}: ${fmt(samples.at(-1).mibPerSecond, 1)} MiB/s, exact=${exact}, resent ${sent.retransmissions}, RcvbufErrors ${after.RcvbufErrors - before.RcvbufErrors}, CPU ms sender ${sent.cpuMs} receiver ${received.cpuMs}, page faults sender ${sent.pageFaults ?? '?'} receiver ${received.pageFaults ?? '?'}`);
  }
  const pick = (key) => median(samples.map((sample) => sample[key]));
  const row = {
    runtime,
    name,
    mibPerSecond: pick('mibPerSecond'),
    exact: samples.every((sample) => sample.exact),
    chunkBytes: samples[0].chunkBytes,
    datagrams: pick('datagrams'),
    retransmitted: pick('retransmitted'),
    extraPercent: pick('extraPercent'),
    rcvbufErrors: pick('rcvbufErrors'),
    ruleDrops: pick('ruleDrops'),
    samples,
  };
  results.push(row);
  return row;
}

let tftp;
if (withTftp) {
  const missing = tftpUnavailable();
  if (missing) console.error(`note: ${missing}: no tftp reference`);
  else {
    console.error('tftp-hpa (512-byte blocks, one in flight) on loopback …');
    const namespace = noNamespaces ? undefined : loopbackNamespace();
    rmSync(out, { force: true });
    const { wallMs } = await tftpFetch({ namespace: namespace?.name, dir, file, out });
    tftp = { mibPerSecond: sizeMiB / (wallMs / 1000), exact: (await sha256Of(out)) === expectedSha };
    namespace?.remove();
  }
}

for (const runtime of runtimes) {
  if (!RUNTIME_COMMANDS[runtime]) throw new Error(`unknown runtime ${runtime}`);
  console.error(`${runtime} …`);
  const loop = noNamespaces ? undefined : loopbackNamespace();
  const local = { namespace: loop?.name, address: '127.0.0.1' };
  if (cases.includes('loopback')) await measure({ runtime, name: 'loopback', sender: local, receiver: local, counterNamespace: loop?.name });
  loop?.remove();
  if (noNamespaces) continue;
  if (cases.includes('loopback-loss')) {
    // The same loopback path (64 KiB datagrams) with the loss rule on it: loss against clean, alike.
    const lossy = loopbackNamespace(lossPercent);
    const there = { namespace: lossy.name, address: '127.0.0.1' };
    await measure({ runtime, name: `loopback ${lossPercent} % loss`, sender: there, receiver: there, counterNamespace: lossy.name, dropped: () => lossy.dropped() });
    lossy.remove();
  }
  for (const loss of [0, lossPercent]) {
    if (!cases.includes(loss === 0 ? 'veth' : 'loss')) continue;
    const link = vethPair(loss);
    await measure({
      runtime,
      name: loss === 0 ? 'veth' : `veth ${loss} % loss`,
      sender: { namespace: link.sender.name, address: link.sender.address },
      receiver: { namespace: link.receiver.name, address: link.receiver.address },
      counterNamespace: link.receiver.name,
      dropped: () => link.dropped(),
    });
    link.remove();
  }
}

// netchat's own commands, TCP against UDP on loopback (the target: clean UDP ≥ 0.7× TCP).
let cli;
if (!process.argv.includes('--no-cli') && existsSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist/cli.mjs'))) {
  console.error('netchat serve + join, /download --tcp and --udp …');
  cli = await cliDownloads({ file, sizeMiB, rounds, dir, runtime: option('cli-runtime', 'node') });
}
const TCP_PENDING = '—';

const header = ['runtime', 'case', 'datagram', 'MiB/s', 'vs tftp', 'vs netchat TCP', 'exact', 'datagrams', 'retransmitted', 'extra %', 'RcvbufErrors', 'nft drops'];
const rows = [];
if (tftp) rows.push(['tftp-hpa', 'loopback', 516, fmt(tftp.mibPerSecond, 1), '1.00×', '—', tftp.exact ? 'yes' : 'NO', '—', '—', '—', '—', '—']);
if (cli) {
  const vsTftp = (value) => (tftp ? `${fmt(value / tftp.mibPerSecond, 1)}×` : '—');
  rows.push(['netchat CLI', 'TCP /download', '—', fmt(cli.tcp, 1), vsTftp(cli.tcp), '1.00×', 'yes', '—', '—', '—', '—', '—']);
  rows.push(['netchat CLI', 'UDP /download', '—', fmt(cli.udp, 1), vsTftp(cli.udp), `${fmt(cli.udp / cli.tcp, 2)}×`, 'yes', '—', '—', '—', '—', '—']);
}
for (const row of results) {
  rows.push([
    row.runtime,
    row.name,
    row.chunkBytes + 36,
    fmt(row.mibPerSecond, 1),
    tftp ? `${fmt(row.mibPerSecond / tftp.mibPerSecond, 1)}×` : '—',
    TCP_PENDING,
    row.exact ? 'yes' : 'NO',
    fmt(row.datagrams, 0),
    fmt(row.retransmitted, 0),
    fmt(row.extraPercent, 2),
    fmt(row.rcvbufErrors, 0),
    fmt(row.ruleDrops, 0),
  ]);
}
const load = os.loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`\nUDP transfer of ${sizeMiB} MiB in ${process.env.TMPDIR}, median of ${rounds} round(s); load average at the end ${load}\n`);
console.log(table(header, rows));

// Targets (issue 9): ≥ 20× tftp; at the loss rate byte-exact, ≥ 0.5× clean, ≤ 7 % extra datagrams.
console.log('\ntargets:');
if (cli) console.log(`  netchat CLI: clean UDP ${fmt(cli.udp / cli.tcp, 2)}× netchat TCP (≥ 0.7×): ${cli.udp >= 0.7 * cli.tcp ? 'met' : 'NOT met'}`);
for (const runtime of runtimes) {
  const of = (name) => results.find((row) => row.runtime === runtime && row.name === name);
  const loopback = of('loopback');
  const veth = of('veth');
  const lossy = of(`veth ${lossPercent} % loss`);
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  if (tftp && loopback) console.log(`  ${runtime}: loopback ${fmt(loopback.mibPerSecond / tftp.mibPerSecond, 1)}× tftp (≥ 20×): ${verdict(loopback.mibPerSecond >= 20 * tftp.mibPerSecond)}`);
  const lossyLoopback = of(`loopback ${lossPercent} % loss`);
  if (lossyLoopback && loopback) {
    const ratio = lossyLoopback.mibPerSecond / loopback.mibPerSecond;
    console.log(`  ${runtime}: loopback at ${lossPercent} % loss: exact ${verdict(lossyLoopback.exact)}; ${fmt(ratio, 2)}× clean loopback (≥ 0.5×): ${verdict(ratio >= 0.5)}; extra datagrams ${fmt(lossyLoopback.extraPercent, 2)} % (≤ 7 %): ${verdict(lossyLoopback.extraPercent <= 7)}`);
  }
  if (lossy && veth) {
    const ratio = lossy.mibPerSecond / veth.mibPerSecond;
    const vsLoopback = loopback ? `, ${fmt(lossy.mibPerSecond / loopback.mibPerSecond, 2)}× clean loopback` : '';
    console.log(`  ${runtime}: veth at ${lossPercent} % loss: exact ${verdict(lossy.exact)}; ${fmt(ratio, 2)}× clean veth (≥ 0.5×): ${verdict(ratio >= 0.5)}${vsLoopback}; extra datagrams ${fmt(lossy.extraPercent, 2)} % (≤ 7 %): ${verdict(lossy.extraPercent <= 7)}`);
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ sizeMiB, rounds, lossPercent, tftp, cli, results }, null, 2));
