// The fan-out load generator, run by fanout.mjs in a process of its own so the server it
// measures gets its own core. One implementation for every target; only the wire adapter
// differs. Reports progress and the result as JSON lines on stdout.
//
//   node scripts/bench/fanout-load.mjs '<json config>'     (see fanout.mjs for the fields)
//
// Throughput mode: S senders take turns writing as fast as the server reads (write until
// write() returns false, then wait for 'drain'), with at most `window` messages sent and not
// yet delivered (averaged over the receivers), so a server that reads faster than it delivers
// cannot bury the receivers in queued output.
// Rate mode: senders write `rate` messages per second in total, for latency without saturation.
// Every message carries its send time (`t=<µs>`); probe receivers spread over the join order
// compute delivery latency from it.
import { performance } from 'node:perf_hooks';
import { connectMany, countDeliveries } from './lib/load-clients.mjs';
import { percentile } from './lib/stats.mjs';
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
  warmupMs: 2000,
  durationMs: 5000,
  probes: 8,
  window: 1000,
  batch: 16,
  concurrency: 100,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const adapter = adapterFor(config.protocol);
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

// Message text: the send time, then padding up to `size` bytes.
function messageText() {
  const stamp = `t=${nowMicros()} `;
  return stamp + 'x'.repeat(Math.max(0, config.size - stamp.length));
}

const T = 0x74;
const EQUALS = 0x3d;
let measuring = false;
const latenciesMs = [];
function recordLatency(buf, start, end) {
  if (!measuring) return;
  // The first '=' in the line is the one of `t=`: no line prefix (name, IRC source) has one.
  let at = buf.indexOf(EQUALS, start);
  if (at === -1 || at >= end || buf[at - 1] !== T) return;
  let micros = 0;
  for (at++; at < end && buf[at] >= 0x30 && buf[at] <= 0x39; at++) micros = micros * 10 + (buf[at] - 0x30);
  latenciesMs.push((nowMicros() - micros) / 1000);
}

async function main() {
  const { receivers: R, senders: S } = config;
  const names = [...Array.from({ length: R }, (_, i) => `r${i}`), ...Array.from({ length: S }, (_, i) => `s${i}`)];
  const setupStart = performance.now();
  const sockets = await connectMany({ ...config, adapter, names });
  const receiverSockets = sockets.slice(0, R);
  const senderSockets = sockets.slice(R);

  const probeCount = Math.min(config.probes, R);
  const probes = new Set(
    Array.from({ length: probeCount }, (_, k) => (probeCount === 1 ? 0 : Math.round((k * (R - 1)) / (probeCount - 1)))),
  );
  let delivered = 0;
  let sent = 0;
  let resumeSenders = () => {};
  const onCount = (found) => {
    delivered += found;
    resumeSenders();
  };
  const counters = receiverSockets.map((socket, i) =>
    countDeliveries(socket, adapter, { onCount, onDelivery: probes.has(i) ? recordLatency : undefined }),
  );
  const senderCounters = senderSockets.map((socket) => countDeliveries(socket, adapter));
  emit('ready', { setupMs: Math.round(performance.now() - setupStart) });

  let sending = true;
  const stopSending = config.mode === 'rate' ? startFixedRate() : startThroughput();

  function write(socket, count) {
    let text = '';
    for (let i = 0; i < count; i++) text += adapter.message(messageText());
    sent += count;
    return socket.write(text);
  }

  // Senders take turns, one batch each, so every sender holds about window/S of the messages
  // in flight. (One sender taking the whole window would leave tens of KiB unread in its
  // socket, and InspIRCd's edge-triggered reads stall on that until its 1 s timer.)
  function startThroughput() {
    const blocked = new Set();
    const credit = () => Math.floor(config.window - (sent - delivered / R));
    let scheduled = false;
    let turn = 0;
    const schedule = () => {
      if (scheduled || !sending) return;
      scheduled = true;
      setImmediate(pump);
    };
    resumeSenders = () => {
      if (credit() >= config.batch) schedule();
    };
    function pump() {
      scheduled = false;
      while (sending && blocked.size < S) {
        const available = credit();
        if (available <= 0) return; // deliveries call resumeSenders
        const socket = senderSockets[turn];
        turn = (turn + 1) % S;
        if (blocked.has(socket)) continue;
        if (!write(socket, Math.min(config.batch, available))) {
          blocked.add(socket);
          socket.once('drain', () => {
            blocked.delete(socket);
            schedule();
          });
        }
      }
    }
    schedule();
    return () => {
      sending = false;
    };
  }

  function startFixedRate() {
    const start = performance.now();
    let next = 0;
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * config.rate) - sent;
      if (due <= 0) return;
      // Spread the due messages over the senders, one write each.
      const share = Math.floor(due / S);
      let extra = due - share * S;
      for (let i = 0; i < S; i++) {
        const count = share + (extra > 0 ? 1 : 0);
        if (extra > 0) extra--;
        if (count > 0) write(senderSockets[(next + i) % S], count);
      }
      next = (next + 1) % S;
    }, 5);
    return () => {
      sending = false;
      clearInterval(timer);
    };
  }

  await new Promise((resolve) => setTimeout(resolve, config.warmupMs));
  const cpuStart = process.cpuUsage();
  const windowStart = performance.now();
  const deliveredStart = delivered;
  const sentStart = sent;
  measuring = true;
  emit('window-start');
  await new Promise((resolve) => setTimeout(resolve, config.durationMs));
  measuring = false;
  const seconds = (performance.now() - windowStart) / 1000;
  const deliveries = delivered - deliveredStart;
  const sentInWindow = sent - sentStart;
  const cpu = process.cpuUsage(cpuStart);
  emit('window-end');
  stopSending();

  // Everything sent must arrive at every receiver; wait (bounded) and report what is missing.
  const drainDeadline = performance.now() + 10_000;
  while (delivered < sent * R && performance.now() < drainDeadline && counters.every((c) => !c.closed)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const disconnected = [...counters, ...senderCounters].filter((c) => c.closed).length;

  emit('result', {
    deliveries,
    seconds,
    deliveriesPerSec: deliveries / seconds,
    messagesPerSec: sentInWindow / seconds,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    samples: latenciesMs.length,
    missing: sent * R - delivered,
    disconnected,
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  });
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

main().catch((error) => {
  emit('error', { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
