// Idle clients for idle-memory.mjs, in a process of their own. Talks to its parent in JSON
// lines: connects `warm` clients and reports 'warm'; on a `go` line from stdin connects and
// registers `clients` more, waits until nothing has arrived for `quietMs` (every client has
// read all it was sent: join announcements reach everyone), and reports 'joined'. Clients keep
// reading until the process is killed, so nothing piles up in the server's send queues.
//
//   node scripts/bench/idle-memory-load.mjs '<json config>'
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { connectMany } from './lib/load-clients.mjs';
import { adapterFor } from './lib/wire-adapters.mjs';

const config = {
  host: '127.0.0.1',
  port: 0,
  protocol: 'netchat',
  warm: 10,
  clients: 10_000,
  concurrency: 200,
  quietMs: 1000,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const adapter = adapterFor(config.protocol);
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

let bytesReceived = 0;
let lastReceived = performance.now();
const sockets = [];

function keepReading(socket) {
  sockets.push(socket);
  socket.setReader((buf, length) => {
    const chunk = buf.subarray(0, length);
    bytesReceived += length;
    lastReceived = performance.now();
    // A server PING to an idle client must be answered or the client is dropped.
    if (chunk.includes('PING')) {
      let start = 0;
      let end;
      while ((end = chunk.indexOf(0x0a, start)) !== -1) {
        const reply = adapter.pingReply(chunk, start, end);
        if (reply) socket.write(reply);
        start = end + 1;
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    emit('error', { message: 'a client was disconnected by the server' });
    process.exit(1);
  });
}

async function connect(prefix, count) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await connectMany({ ...config, adapter, names, onRegistered: keepReading });
}

/** Resolves once nothing has arrived for `quietMs`: the server has sent everything it will. */
function quiet() {
  return new Promise((resolve) => {
    const check = () => {
      const idle = performance.now() - lastReceived;
      if (idle >= config.quietMs) resolve();
      else setTimeout(check, config.quietMs - idle);
    };
    check();
  });
}

async function main() {
  await connect('w', config.warm);
  await quiet();
  emit('warm', { clients: sockets.length });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') break;
  const start = performance.now();
  await connect('c', config.clients);
  const registeredMs = performance.now() - start;
  lastReceived = Math.max(lastReceived, performance.now());
  await quiet();
  emit('joined', {
    clients: sockets.length - config.warm,
    registeredMs: Math.round(registeredMs),
    settledMs: Math.round(lastReceived - start),
    bytesReceived,
  });
}

main().catch((error) => {
  emit('error', { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
