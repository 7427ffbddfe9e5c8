// Chat latency beside file transfers: a few netchat chat clients broadcast timestamped messages
// at a fixed total rate and every client times each broadcast it receives. Runs in a process of
// its own (files.mjs starts it through chat-latency.mjs), so that the benchmark's own work does
// not delay it.
//
//   node scripts/bench/lib/chat-latency-load.mjs '{"port":12000,"clients":5,"rate":100}'
//
// Control lines on stdin, one JSON object each: {"phase":"<name>"} — messages sent from now on
// belong to that phase; {"report":true} — print the result and exit. Output on stdout, JSON
// lines: {"event":"ready"}, then {"event":"result","phases":{name:{sent,missing,latenciesMs}}}
// with every delivery's latency, so that phases can be pooled afterwards. A message belongs to
// the phase in which it was sent, so a delivery delayed past the end of a transfer still counts
// against the transfer.
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { connectMany, countDeliveries } from './load-clients.mjs';
import { netchatAdapter } from './wire-adapters.mjs';

const config = { port: 0, clients: 5, rate: 100, ...JSON.parse(process.argv[2] ?? '{}') };
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const phases = []; // { name, sent, latencies[] }, indexed by the number in each message
let current;
function phaseNamed(name) {
  let phase = phases.find((p) => p.name === name);
  if (!phase) {
    phase = { name, sent: 0, latenciesMs: [] };
    phases.push(phase);
  }
  return phase;
}

// `[Broadcast] lat3: lat <phase> <sent µs>`
const MESSAGE = /^\[Broadcast\] lat\d+: lat (\d+) (\d+)/;
function onDelivery(buf, start, end) {
  const match = MESSAGE.exec(buf.toString('latin1', start, end));
  if (!match) return;
  phases[Number(match[1])]?.latenciesMs.push((nowMicros() - Number(match[2])) / 1000);
}

async function main() {
  const names = Array.from({ length: config.clients }, (_, i) => `lat${i}`);
  const sockets = await connectMany({ host: '127.0.0.1', port: config.port, adapter: netchatAdapter, names, concurrency: 10 });
  const counters = sockets.map((socket) => countDeliveries(socket, netchatAdapter, { onDelivery }));
  current = phaseNamed('setup');

  // Due messages go out every 5 ms, from the clients in turn, each stamped at its write.
  const start = performance.now();
  let sent = 0;
  let turn = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * config.rate) - sent;
    for (let i = 0; i < due; i++) {
      const index = phases.indexOf(current);
      sockets[turn].write(netchatAdapter.message(`lat ${index} ${nowMicros()}`));
      turn = (turn + 1) % sockets.length;
      current.sent++;
      sent++;
    }
  }, 5);
  emit('ready');

  const control = createInterface({ input: process.stdin });
  for await (const line of control) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    if (command.phase) current = phaseNamed(command.phase);
    if (command.report) break;
  }
  clearInterval(timer);
  // Let the last messages arrive (bounded), then report.
  const expected = () => phases.reduce((sum, p) => sum + p.sent * (config.clients - 1), 0);
  const received = () => phases.reduce((sum, p) => sum + p.latenciesMs.length, 0);
  const deadline = performance.now() + 5_000;
  while (received() < expected() && performance.now() < deadline && counters.every((c) => !c.closed)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = {};
  for (const phase of phases) {
    result[phase.name] = {
      sent: phase.sent,
      missing: phase.sent * (config.clients - 1) - phase.latenciesMs.length,
      latenciesMs: phase.latenciesMs.map((ms) => Math.round(ms * 1000) / 1000),
    };
  }
  for (const socket of sockets) socket.destroy();
  // Exit once the result is written: a large one may still be on its way when write returns.
  process.stdout.write(`${JSON.stringify({ event: 'result', phases: result, disconnected: counters.filter((c) => c.closed).length })}\n`, () =>
    process.exit(0),
  );
}

main().catch((error) => {
  emit('error', { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
