// The load generator of scripts/bench/echo.mjs, run as its own process: N clients against one
// echo server, each with exactly one request outstanding (send, wait for the whole reply, send
// again). Counts the round trips completed in a measured window after a warm-up, prints one
// JSON line to stdout and exits. Bounded: it stops after warm-up + window whatever happens.
//
//   node scripts/bench/echo-load.mjs --port P [--clients 1] [--seconds 2] [--warmup 0.5] [--payload 32]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    clients: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
    payload: { type: 'string', default: '32' },
  },
});
const port = Number(values.port);
const clients = Number(values.clients);
const windowMs = Number(values.seconds) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const payloadBytes = Number(values.payload);
if (!(port > 0 && clients >= 1 && clients <= 10_000 && windowMs > 0 && windowMs <= 60_000 && payloadBytes >= 1 && payloadBytes <= 65_536)) {
  console.error('usage: echo-load.mjs --port P [--clients 1..10000] [--seconds ≤60] [--warmup s] [--payload 1..65536]');
  process.exit(2);
}
// Letters only, so that neither a goodbye byte nor a digit run can appear in it.
const payload = Buffer.alloc(payloadBytes);
for (let i = 0; i < payloadBytes; i++) payload[i] = 0x61 + (i % 26);

let completed = 0;
let running = true;

function connect() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: values.host, port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

/**
 * One first round trip teaches the reply's length: the payload for a bare echo, the payload
 * plus `<timestamp>:` for netchat (constant until the year 2286). A reply that arrives in
 * several reads is waited for whole.
 */
function firstRoundTrip(socket) {
  return new Promise((resolve, reject) => {
    let reply = Buffer.alloc(0);
    const onData = (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length < payloadBytes || !reply.subarray(reply.length - payloadBytes).equals(payload)) return;
      socket.off('data', onData);
      resolve(reply.length);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the first round trip')));
    socket.write(payload);
  });
}

function loop(socket, replyBytes) {
  let received = 0;
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (received < replyBytes) return;
    received -= replyBytes;
    completed++;
    if (running) socket.write(payload);
  });
  socket.on('error', () => {});
  socket.write(payload);
}

const sockets = await Promise.all(Array.from({ length: clients }, connect));
const replyBytes = await Promise.all(sockets.map(firstRoundTrip));
const replyLength = replyBytes[0];
if (replyBytes.some((length) => length !== replyLength)) throw new Error(`replies differ in length: ${replyBytes}`);

const cpuStart = process.cpuUsage();
const started = performance.now();
sockets.forEach((socket) => loop(socket, replyLength));
await new Promise((resolve) => setTimeout(resolve, warmupMs));
const windowStart = performance.now();
const countStart = completed;
await new Promise((resolve) => setTimeout(resolve, windowMs));
const windowEnd = performance.now();
const countEnd = completed;
running = false;
const cpu = process.cpuUsage(cpuStart);
for (const socket of sockets) socket.destroy();

const seconds = (windowEnd - windowStart) / 1000;
process.stdout.write(
  `${JSON.stringify({
    clients,
    payloadBytes,
    replyBytes: replyLength,
    roundTrips: countEnd - countStart,
    seconds,
    roundTripsPerSecond: (countEnd - countStart) / seconds,
    // Everything counted since the loops started, to relate to the server's CPU time.
    totalRoundTrips: completed + clients,
    // The generator's own CPU share over the run: near 1.0 means it, not the server, was the limit.
    generatorCpuShare: (cpu.user + cpu.system) / 1000 / (windowEnd - started),
  })}\n`,
);
process.exit(0);
