// One fan-out load process. fanout.mjs runs several (default 2) so that the load generator
// is not the side that runs out of CPU: receivers are dealt round-robin to the processes
// (receiver i goes to process i % processes); process 0 also holds the senders and paces them.
// Only one implementation for every target; only the wire adapter differs.
//
//   node scripts/bench/fanout-load.mjs '<json config>'     (fields: see `config` below)
//
// Talks to fanout.mjs in JSON lines: reports on stdout ('control', 'ready', 'window',
// 'stopped', 'result', 'error'), commands on stdin:
//   {"cmd":"start"}              process 0: start sending
//   {"cmd":"window-start"}       start counting deliveries (every process)
//   {"cmd":"window-end"}         stop counting; reply 'window'
//   {"cmd":"stop"}               process 0: stop sending; reply 'stopped' with the total sent
//   {"cmd":"drain","sent":N}     wait (bounded) until every local receiver has all N; reply 'result'
// The other processes report their delivery counts to process 0 over a TCP connection on
// 127.0.0.1 (its port in process 0's 'control' report), so its throughput window counts every
// receiver.
//
// Senders are paced by lib/fanout-pacer.mjs (throughput or fixed rate). Every message carries its send time (`t=<µs>` of the system-wide monotonic clock, the same
// in every process); probe receivers spread over the join order compute delivery latency.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createPacer } from './lib/fanout-pacer.mjs';
import { connectMany, countDeliveries } from './lib/load-clients.mjs';
import { LatencyHistogram } from './lib/stats.mjs';
import { adapterFor } from './lib/wire-adapters.mjs';

const config = {
  host: '127.0.0.1',
  port: 0,
  protocol: 'netchat',
  receivers: 500,
  senders: 5,
  mode: 'throughput',
  rate: 200,
  size: 64,
  probes: 8,
  window: 1000,
  batch: 16,
  concurrency: 100,
  /** This process's number, 0 … processes − 1. */
  index: 0,
  processes: 1,
  /** Process 0's delivery-count port (given to the other processes). */
  controlPort: 0,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const adapter = adapterFor(config.protocol);
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);
const isPacer = config.index === 0;

// Message text: the send time, then padding up to `size` bytes.
function messageText() {
  const stamp = `t=${nowMicros()} `;
  return stamp + 'x'.repeat(Math.max(0, config.size - stamp.length));
}

const T = 0x74;
const EQUALS = 0x3d;
let measuring = false;
const latencies = new LatencyHistogram();
function recordLatency(buf, start, end) {
  if (!measuring) return;
  // The first '=' in the line is the one of `t=`: no line prefix (name, IRC source) has one.
  let at = buf.indexOf(EQUALS, start);
  if (at === -1 || at >= end || buf[at - 1] !== T) return;
  let micros = 0;
  for (at++; at < end && buf[at] >= 0x30 && buf[at] <= 0x39; at++) micros = micros * 10 + (buf[at] - 0x30);
  latencies.addMs((nowMicros() - micros) / 1000);
}

/** Global receiver numbers of this process: i % processes === index. */
function myReceivers() {
  const mine = [];
  for (let i = config.index; i < config.receivers; i += config.processes) mine.push(i);
  return mine;
}

/** Probe receivers: `probes` spread over the whole join order, those that are ours. */
function probeSet() {
  const R = config.receivers;
  const count = Math.min(config.probes, R);
  return new Set(Array.from({ length: count }, (_, k) => (count === 1 ? 0 : Math.round((k * (R - 1)) / (count - 1)))));
}

let localDelivered = 0;
const remoteDelivered = new Map(); // process index → deliveries it reported
let onDelivered = () => {};

/** Process 0: accept the other processes' delivery counts (one decimal number per line). */
function listenForCounts() {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      let pending = '';
      socket.setEncoding('latin1').on('data', (text) => {
        pending += text;
        const newline = pending.lastIndexOf('\n');
        if (newline === -1) return;
        const lines = pending.slice(0, newline).split('\n');
        pending = pending.slice(newline + 1);
        for (const line of lines) {
          const [from, count] = line.split(' ').map(Number);
          remoteDelivered.set(from, count);
        }
        onDelivered();
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * Other processes: send process 0 the local delivery count, at most once a millisecond (a
 * write per read would cost the generator a system call per read; the window of 1000 messages
 * spans tens of milliseconds, so pacing on counts a millisecond old changes nothing).
 */
function reportCountsTo(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // process 0 goes away first at the end of a run
      let scheduled = false;
      const report = () => {
        scheduled = false;
        socket.write(`${config.index} ${localDelivered}\n`);
      };
      onDelivered = () => {
        if (scheduled) return;
        scheduled = true;
        setTimeout(report, 1);
      };
      resolve();
    });
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

function totalDelivered() {
  let total = localDelivered;
  for (const count of remoteDelivered.values()) total += count;
  return total;
}

async function main() {
  if (isPacer && config.processes > 1) emit('control', { port: await listenForCounts() });
  if (!isPacer) await reportCountsTo(config.controlPort);

  const receiverNumbers = myReceivers();
  const senderCount = isPacer ? config.senders : 0;
  const names = [...receiverNumbers.map((i) => `r${i}`), ...Array.from({ length: senderCount }, (_, i) => `s${i}`)];
  const setupStart = performance.now();
  const sockets = await connectMany({ ...config, adapter, names });
  const receiverSockets = sockets.slice(0, receiverNumbers.length);
  const senderSockets = sockets.slice(receiverNumbers.length);

  const probes = probeSet();
  const onCount = (found) => {
    localDelivered += found;
    onDelivered();
  };
  const counters = receiverSockets.map((socket, k) =>
    countDeliveries(socket, adapter, { onCount, onDelivery: probes.has(receiverNumbers[k]) ? recordLatency : undefined }),
  );
  const senderCounters = senderSockets.map((socket) => countDeliveries(socket, adapter));
  const pacer = isPacer
    ? createPacer(senderSockets, { ...config, message: () => adapter.message(messageText()), delivered: totalDelivered })
    : undefined;
  if (pacer) onDelivered = () => pacer.onDelivered();
  emit('ready', { setupMs: Math.round(performance.now() - setupStart), receivers: receiverSockets.length });

  let windowStart = 0;
  let deliveredAtStart = 0;
  let sentAtStart = 0;
  const commands = createInterface({ input: process.stdin });
  for await (const line of commands) {
    const command = JSON.parse(line);
    if (command.cmd === 'start') pacer.start();
    else if (command.cmd === 'window-start') {
      windowStart = performance.now();
      deliveredAtStart = localDelivered;
      sentAtStart = pacer?.sent ?? 0;
      measuring = true;
    } else if (command.cmd === 'window-end') {
      measuring = false;
      emit('window', {
        seconds: (performance.now() - windowStart) / 1000,
        deliveries: localDelivered - deliveredAtStart,
        sent: (pacer?.sent ?? 0) - sentAtStart,
      });
    } else if (command.cmd === 'stop') {
      pacer.stop();
      emit('stopped', { sent: pacer.sent });
    } else if (command.cmd === 'drain') {
      // Everything sent must arrive at every receiver. Wait while deliveries still arrive (a
      // slow server can take many seconds to send what it has queued), at most a minute, and
      // report what is missing after 5 s without progress.
      const expected = command.sent * receiverSockets.length;
      const deadline = performance.now() + 60_000;
      let seen = localDelivered;
      let progressAt = performance.now();
      while (localDelivered < expected && counters.every((c) => !c.closed)) {
        const now = performance.now();
        if (localDelivered !== seen) [seen, progressAt] = [localDelivered, now];
        if (now - progressAt > 5000 || now > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      emit('result', {
        missing: expected - localDelivered,
        disconnected: [...counters, ...senderCounters].filter((c) => c.closed).length,
        latencies: latencies.toJSON(),
      });
    }
  }
  // stdin closed: fanout.mjs is gone.
  process.exit(0);
}

process.on('SIGTERM', () => process.exit(0));

main().catch((error) => {
  emit('error', { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
