#!/usr/bin/env node
// Shared files: netchat's download and upload side by side with socat moving the same file over
// loopback with 128 KiB blocks, the server's memory during each transfer, chat latency while the
// transfers run, and listing a folder of 100,000 files while chat flows — in one run.
//
//   npm run build && node scripts/bench/files.mjs [options]        (or: npm run bench:files)
//
//   --size 1g             the generated file (the recorded run uses 1g; 64m for a quick look)
//   --rounds 3            rounds; each runs every transfer once, the order reversed every other round
//   --chat-clients 5      chat clients broadcasting timestamped messages throughout
//   --chat-rate 100       their messages per second, all together
//   --idle 2              seconds of chat with no transfer before each transfer (the idle latency)
//   --list-files 100000   files in the listing folder; 0 skips the listing part
//   --list-rounds 3
//   --runtime node        netchat (server and clients) under node, bun or deno
//   --json <file>         also write every run's figures as JSON
//
// Transfers, per round: netchat's own client (`join` + `/download`, which takes a ticket and
// downloads on a second connection, checks the SHA-256 and names the file), a raw client doing
// DOWNLOAD_TCP on its chat connection and writing with plain synchronous writes (the server's
// part alone), socat's client fetching from a socat serving the file, then `netchat send-file`
// and socat the other way. Each is a fresh client process, timed from its spawn until the file
// is whole at its destination. The server's RSS is read during each of netchat's transfers, and
// again for `join` and `send-file` each on a fresh server (a process rarely returns memory, so
// only a server's first transfer shows what transfers cost it). Chat latency is timed through
// all of it (lib/chat-latency-load.mjs). Then a folder of 100,000 empty files is listed page by
// page while chat flows (lib/folder-listing.mjs). Everything stays on 127.0.0.1, every step has
// a time limit, and the temporary files are removed however the run ends.
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startChatLatency } from './lib/chat-latency.mjs';
import { netchatDownload, netchatUpload, rawDownload, socatDownload, socatUpload, watchRss } from './lib/file-transfer-runs.mjs';
import { formatFilesReport } from './lib/files-report.mjs';
import { FilesWireClient } from './lib/files-wire-client.mjs';
import { measureFolderListing } from './lib/folder-listing.mjs';
import { parseSize, writeGeneratedFile } from './lib/generated-files.mjs';
import { cpuSeconds, makeTempDir, rssKiB } from './lib/processes.mjs';
import { fmt } from './lib/stats.mjs';
import { describeNetchatBuild, netchatCommand, startNetchat } from './lib/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '1g' },
    rounds: { type: 'string', default: '3' },
    'chat-clients': { type: 'string', default: '5' },
    'chat-rate': { type: 'string', default: '100' },
    idle: { type: 'string', default: '2' },
    'list-files': { type: 'string', default: '100000' },
    'list-rounds': { type: 'string', default: '3' },
    runtime: { type: 'string', default: 'node' },
    json: { type: 'string' },
  },
});

function integer(flag, low, high) {
  const value = Number(opts[flag]);
  if (!Number.isInteger(value) || value < low || value > high) throw new Error(`--${flag} must be a whole number from ${low} to ${high}, not "${opts[flag]}"`);
  return value;
}
const size = parseSize(opts.size, '--size');
const rounds = integer('rounds', 1, 20);
const chatOptions = { clients: integer('chat-clients', 2, 100), rate: integer('chat-rate', 1, 10_000) };
const idleSeconds = integer('idle', 1, 60);
const listFiles = integer('list-files', 0, 1_000_000);
const listRounds = integer('list-rounds', 1, 10);
const runtime = opts.runtime;
const netchat = netchatCommand(runtime);
/** A transfer slower than 5 MB/s is broken, not slow: give up on it. */
const TRANSFER_TIMEOUT_MS = 60_000 + size / 5_000;

const log = (line) => process.stderr.write(`${line}\n`);
const loadavg = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');
const machine = `${describeNetchatBuild()}; Node ${process.version}, netchat under ${runtime}, ${os.cpus().length} CPUs`;
const loadAtStart = loadavg();
log(`${machine}; load average ${loadAtStart}`);

const TRANSFERS = [
  { key: 'netchat download', direction: 'download', client: 'netchat `join` + `/download`', netchat: true, run: netchatDownload },
  { key: 'raw download', direction: 'download', client: 'raw `DOWNLOAD_TCP` client', netchat: true, run: rawDownload },
  { key: 'socat download', direction: 'download', client: 'socat -b 131072', run: socatDownload },
  { key: 'netchat upload', direction: 'upload', client: 'netchat `send-file`', netchat: true, run: netchatUpload },
  { key: 'socat upload', direction: 'upload', client: 'socat -b 131072', run: socatUpload },
];

// The file: generated once, outside the shared folder (what uploads send), and hard-linked into
// it (what downloads fetch), so one copy on disk serves both.
const work = makeTempDir('netchat-bench-files-');
const sourceDir = path.join(work, 'source');
const sharedDir = path.join(work, 'shared');
mkdirSync(sourceDir);
mkdirSync(sharedDir);
const source = path.join(sourceDir, 'upload.bin');
let started = performance.now();
const sha256 = writeGeneratedFile(source, size);
linkSync(source, path.join(sharedDir, 'download.bin'));
log(`wrote ${fmt(size / 1e6, 1)} MB in ${fmt((performance.now() - started) / 1000, 1)} s`);

/**
 * The server hashes a file at its first download and remembers the hash: have it do that with a
 * download from the very end (no bytes), so that measured downloads find the hash cached.
 */
async function primeHash(port) {
  const primer = await FilesWireClient.connect(port);
  try {
    await primer.join('primer');
    const header = await primer.download('download.bin', size, () => {});
    if (header.sha256 !== sha256) throw new Error(`the server's SHA-256 of download.bin is ${header.sha256}, not ${sha256}`);
  } finally {
    primer.close();
  }
}

/** One transfer into a fresh destination folder, removed afterwards; resolves with { ms, clientCpuS, serverCpuS? }. */
async function runTransfer(transfer, port) {
  const dir = mkdtempSync(path.join(work, 'to-'));
  try {
    const outcome = await transfer.run({
      netchat,
      port,
      name: transfer.direction === 'download' ? 'download.bin' : 'upload.bin',
      source,
      size,
      sha256,
      dir,
      sharedDir,
      timeoutMs: TRANSFER_TIMEOUT_MS,
    });
    if (outcome.stored) rmSync(path.join(sharedDir, outcome.stored), { force: true });
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Throughput and chat latency: one server for all rounds, chat flowing throughout.
started = performance.now();
const server = await startNetchat({ runtime, extraArgs: ['--shared-dir', sharedDir] });
const startupMs = performance.now() - started;
started = performance.now();
await primeHash(server.port);
const hashMs = performance.now() - started;
log(`the server hashed the file in ${fmt(hashMs / 1000, 2)} s`);
const baselineKiB = rssKiB(server.pid);
const chat = await startChatLatency(server.port, chatOptions);
const runs = [];
let chatResult;
try {
  for (let round = 1; round <= rounds; round++) {
    for (const transfer of round % 2 === 1 ? TRANSFERS : [...TRANSFERS].reverse()) {
      // Idle chat right before each transfer: the machine's other load falls on both alike.
      chat.phase(`idle#${round}`);
      await sleep(idleSeconds * 1000);
      const rss = transfer.netchat ? watchRss(server.pid) : undefined;
      const cpuBefore = cpuSeconds(server.pid);
      chat.phase(`${transfer.key}#${round}`);
      const outcome = await runTransfer(transfer, server.port);
      chat.phase('between');
      const memory = rss?.stop();
      // socat's runs time their own server; the others are netchat's server's CPU meanwhile.
      const serverCpuS = outcome.serverCpuS ?? cpuSeconds(server.pid) - cpuBefore;
      const { ms, clientCpuS } = outcome;
      const run = { round, transfer: transfer.key, ms, mbPerSecond: size / 1e3 / ms, clientCpuS, serverCpuS, ...memory, loadavg: os.loadavg()[0] };
      runs.push(run);
      const memoryNote = memory ? `, server RSS ${fmt(memory.beforeKiB / 1024, 1)} → ${fmt(memory.peakKiB / 1024, 1)} MiB` : '';
      log(`[${round}/${rounds}] ${transfer.key.padEnd(16)} ${fmt(run.mbPerSecond, 1)} MB/s (${fmt(ms / 1000, 2)} s)${memoryNote}, load ${fmt(run.loadavg)}`);
    }
  }
} finally {
  chatResult = await chat.report().catch((error) => log(`chat latency: ${error.message}`));
  await server.stop();
}

// Memory of a fresh server: a server's first transfer is the one that can raise its RSS (what
// a process allocates it rarely gives back), so each of netchat's own transfers runs on its own.
const cold = [];
for (let round = 1; round <= rounds; round++) {
  for (const transfer of TRANSFERS.filter((t) => t.key === 'netchat download' || t.key === 'netchat upload')) {
    const fresh = await startNetchat({ runtime, extraArgs: ['--shared-dir', sharedDir] });
    try {
      if (transfer.direction === 'download') await primeHash(fresh.port);
      const rss = watchRss(fresh.pid);
      await runTransfer(transfer, fresh.port);
      const memory = rss.stop();
      cold.push({ round, transfer: transfer.key, ...memory });
      log(`[fresh server ${round}/${rounds}] ${transfer.key.padEnd(16)} server RSS ${fmt(memory.beforeKiB / 1024, 1)} → ${fmt(memory.peakKiB / 1024, 1)} MiB`);
    } finally {
      await fresh.stop();
    }
  }
}

const listing =
  listFiles > 0
    ? await measureFolderListing({ runtime, work, files: listFiles, rounds: listRounds, idleSeconds, chatOptions, log })
    : undefined;

const result = {
  machine,
  loadAtStart,
  loadAtEnd: loadavg(),
  size,
  rounds,
  chatOptions,
  idleSeconds,
  listFiles,
  startupMs,
  hashMs,
  baselineKiB,
  runs,
  cold,
  chat: chatResult,
  listing,
};
process.stdout.write(`${formatFilesReport(result, TRANSFERS)}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ options: opts, ...result }, null, 2)}\n`);
