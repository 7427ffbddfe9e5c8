// The files benchmark's report: tables of the medians, then every target with its figure and
// whether it was met. Pure formatting of what files.mjs measured.
import { p99RatioByRound, pooledLatency } from './chat-latency.mjs';
import { fmt, median, table } from './stats.mjs';

const MiB = (kib) => fmt(kib / 1024, 1);
const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** `transfers`: the rows of files.mjs (key, direction, client, netchat). */
export function formatFilesReport(result, transfers) {
  const { runs, cold, chat, listing, size, rounds } = result;
  const of = (key, field) => runs.filter((run) => run.transfer === key).map((run) => run[field]);
  const rate = (key) => median(of(key, 'mbPerSecond'));
  const perRound = (key, reference) => {
    const ratios = runs
      .filter((run) => run.transfer === key)
      .map((run) => run.mbPerSecond / runs.find((r) => r.transfer === reference && r.round === run.round).mbPerSecond);
    return `${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`;
  };
  const out = [];
  out.push(`\n${result.machine}; load average (1, 5, 15 min) at start ${result.loadAtStart}, at end ${result.loadAtEnd}`);
  out.push(`Shared files: a ${fmt(size / 1e6, 1)} MB file (${size.toLocaleString('en-US')} bytes), medians of ${rounds} rounds, 127.0.0.1; MB = 10^6 bytes\n`);
  out.push(
    table(
      ['direction', 'client', 'MB/s', 'seconds', 'vs socat', 'per round', 'server CPU s', 'client CPU s', 'CPU s per GB'],
      transfers.map((t) => {
        const reference = `socat ${t.direction}`;
        const isReference = t.key === reference;
        const [serverCpu, clientCpu] = [median(of(t.key, 'serverCpuS')), median(of(t.key, 'clientCpuS'))];
        return [
          t.direction,
          t.client,
          fmt(rate(t.key), 1),
          fmt(median(of(t.key, 'ms')) / 1000, 2),
          isReference ? '1.00' : fmt(rate(t.key) / rate(reference)),
          isReference ? '' : perRound(t.key, reference),
          fmt(serverCpu, 2),
          fmt(clientCpu, 2),
          fmt(((serverCpu + clientCpu) * 1e9) / size, 2),
        ];
      }),
    ),
  );
  out.push('\nCPU: user + system time from /proc of the server and the client process, medians; per GB = both together, per 10^9 bytes moved.');
  out.push(`serve started in ${fmt(result.startupMs)} ms; it hashed the file at its first download in ${fmt(result.hashMs / 1000, 2)} s (then cached)\n`);

  // Memory: each netchat transfer on the server that ran them all, and each on a fresh server.
  out.push('Server memory: VmRSS of `serve`, read every 10 ms; growth = peak during the transfer − RSS just before it\n');
  const warmRows = transfers
    .filter((t) => t.netchat)
    .map((t) => {
      const growth = runs.filter((run) => run.transfer === t.key).map((run) => run.peakKiB - run.beforeKiB);
      return [`${t.key}, server of the rounds`, MiB(median(of(t.key, 'beforeKiB'))), MiB(Math.max(...of(t.key, 'peakKiB'))), MiB(median(growth)), MiB(Math.max(...growth))];
    });
  const coldRows = [...new Set(cold.map((c) => c.transfer))].map((key) => {
    const mine = cold.filter((c) => c.transfer === key);
    const growth = mine.map((c) => c.peakKiB - c.beforeKiB);
    return [`${key}, fresh server`, MiB(median(mine.map((c) => c.beforeKiB))), MiB(Math.max(...mine.map((c) => c.peakKiB))), MiB(median(growth)), MiB(Math.max(...growth))];
  });
  out.push(table(['transfer', 'RSS before MiB', 'peak MiB', 'growth MiB (median)', 'growth MiB (largest)'], [...coldRows, ...warmRows]));
  const peakOfRounds = Math.max(...runs.filter((run) => run.peakKiB !== undefined).map((run) => run.peakKiB));
  out.push(`\nThe server of the rounds: ${MiB(result.baselineKiB)} MiB before its first transfer, ${MiB(peakOfRounds)} MiB at its highest (+${MiB(peakOfRounds - result.baselineKiB)})\n`);

  const latencyHeader = ['phase', 'deliveries', 'p50 ms', 'p99 ms', 'max ms', 'p99 / idle p99', 'per round', 'missing'];
  const latencyRows = (latency, phases) =>
    phases
      .map((phase) => [phase, pooledLatency(latency, phase)])
      .filter(([, pooled]) => pooled)
      .map(([phase, p]) => {
        const idle = phase === 'idle';
        const byRound = idle ? undefined : p99RatioByRound(latency, phase);
        return [
          phase,
          fmt(p.samples, 0),
          fmt(p.p50Ms),
          fmt(p.p99Ms),
          fmt(p.maxMs),
          idle ? '1.00' : fmt(p.p99Ms / pooledLatency(latency, 'idle').p99Ms),
          byRound ? `${fmt(byRound.min)}–${fmt(byRound.max)}` : '',
          fmt(p.missing, 0),
        ];
      });
  const { clients, rate: chatRate } = result.chatOptions;
  out.push(
    `Chat latency: ${clients} clients sending ${chatRate} BROADCASTs/s in all, each delivered to the ${clients - 1} others and timed there; ` +
      `a message counts in the phase it was sent in; idle = the ${result.idleSeconds} s before each transfer, all rounds pooled; ` +
      `per round = p99 of the phase over p99 of the idle windows of its round\n`,
  );
  out.push(table(latencyHeader, latencyRows(chat, ['idle', ...transfers.map((t) => t.key)])));

  if (listing) {
    const pick = (fn) => median(listing.rounds.map(fn));
    out.push(
      `\nListing ${fmt(result.listFiles)} empty files, ${listing.rounds[0].before.pages} pages of 500: serve started in ${fmt(listing.startupMs)} ms ` +
        `with them (${fmt(result.startupMs)} ms with one file); server RSS ${MiB(listing.rssStartKiB)} MiB after start, ${MiB(listing.rssEndKiB)} MiB at the end\n`,
    );
    out.push(
      table(
        ['round', 'first page ms', 'all pages ms', 'rescan seen after ms', 'all pages after the rescan ms'],
        [
          ...listing.rounds.map((r) => [String(r.round), fmt(r.before.firstPageMs, 1), fmt(r.before.allMs), fmt(r.rescanMs), fmt(r.after.allMs)]),
          ['median', fmt(pick((r) => r.before.firstPageMs), 1), fmt(pick((r) => r.before.allMs)), fmt(pick((r) => r.rescanMs)), fmt(pick((r) => r.after.allMs))],
        ],
      ),
    );
    out.push(
      '\nChat latency: rescan = from the first LIST_FILES (which starts the rescan) through a full listing until the rescan is seen done; ' +
        'listing = a full listing from the fresh index, no rescan; idle = the 5.5 s before each round\n',
    );
    out.push(table(latencyHeader, latencyRows(listing.chat, ['idle', 'rescan', 'listing'])));
  }
  out.push(`\nTargets\n${targetLines(result, rate, peakOfRounds).map((line) => `- ${line}`).join('\n')}\n`);
  return out.join('\n');
}

function targetLines(result, rate, peakOfRounds) {
  const { chat, cold, listing } = result;
  const download = rate('netchat download') / rate('socat download');
  const upload = rate('netchat upload') / rate('socat upload');
  const growths = [...cold, ...result.runs.filter((run) => run.peakKiB !== undefined)].map((run) => run.peakKiB - run.beforeKiB);
  const growthMiB = Math.max(...growths, peakOfRounds - result.baselineKiB) / 1024;
  const p99 = (latency, phase) => pooledLatency(latency, phase)?.p99Ms;
  const p99Ratio = (latency, phase) => p99(latency, phase) / p99(latency, 'idle');
  const lines = [
    `download ≥ 0.9× socat: netchat join + /download ${fmt(download)}× — ${verdict(download >= 0.9)} ` +
      `(the raw DOWNLOAD_TCP client, the server's part alone: ${fmt(rate('raw download') / rate('socat download'))}×)`,
    `upload ≥ 0.9× socat: netchat send-file ${fmt(upload)}× — ${verdict(upload >= 0.9)}`,
    `server RSS growth ≤ 16 MiB during a transfer: up to ${fmt(growthMiB, 1)} MiB — ${verdict(growthMiB <= 16)}`,
    ...['netchat download', 'raw download', 'netchat upload'].map((phase) => {
      const ratio = p99Ratio(chat, phase);
      return `chat p99 during a transfer ≤ 2× idle, ${phase}: ${fmt(p99(chat, phase))} ms against ${fmt(p99(chat, 'idle'))} ms idle, ${fmt(ratio)}× — ${verdict(ratio <= 2)}`;
    }),
    `(for comparison, chat p99 while socat moved the file, netchat's server not involved: download ${fmt(p99Ratio(chat, 'socat download'))}×, upload ${fmt(p99Ratio(chat, 'socat upload'))}× idle)`,
  ];
  if (listing) {
    lines.push(
      `listing ${fmt(result.listFiles)} files must not stall other users (no figure set): chat p99 ${fmt(p99(listing.chat, 'rescan'))} ms ` +
        `while listing and rescanning (${fmt(p99Ratio(listing.chat, 'rescan'))}× idle), ${fmt(p99(listing.chat, 'listing'))} ms ` +
        `while listing from the index (${fmt(p99Ratio(listing.chat, 'listing'))}× idle)`,
    );
  }
  return lines;
}
