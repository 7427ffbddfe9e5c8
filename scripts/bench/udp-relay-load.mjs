// The load generator of scripts/bench/udp-relay.mjs, run as its own process: N UDP clients
// join one chat server (answering a join code when it sends one), then a fixed window of
// messages is kept in flight: each message goes from one client (in turn) to the server, which
// relays it to all N; when the sender gets its own copy back, the next message leaves. A copy
// not back within --stall ms frees its slot. Counts the copies delivered to all clients in a
// measured window after a warm-up, then stops sending, waits --drain for stragglers, and
// prints one JSON line: the delivery rate and each client's loss. Bounded: it exits by itself.
//
//   node scripts/bench/udp-relay-load.mjs --port P [--clients 100] [--window 8] [--seconds 2]
//                                         [--warmup 0.5] [--drain 0.5] [--payload 32] [--stall 200]
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    clients: { type: 'string', default: '100' },
    window: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
    drain: { type: 'string', default: '0.5' },
    payload: { type: 'string', default: '32' },
    stall: { type: 'string', default: '200' },
  },
});
const port = Number(values.port);
const clientCount = Number(values.clients);
const windowSize = Number(values.window);
const windowMs = Number(values.seconds) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const drainMs = Number(values.drain) * 1000;
const payloadBytes = Number(values.payload);
const stallMs = Number(values.stall);
if (
  !(port > 0 && clientCount >= 1 && clientCount <= 1000 && windowSize >= 1 && windowSize <= 1000) ||
  !(windowMs > 0 && windowMs <= 60_000 && payloadBytes >= 12 && payloadBytes <= 1000 && stallMs >= 10)
) {
  console.error('usage: udp-relay-load.mjs --port P [--clients 1..1000] [--window 1..1000] [--seconds ≤60] [--payload 12..1000]');
  process.exit(2);
}
setTimeout(() => {
  console.error('udp-relay-load: still running long after its time; giving up');
  process.exit(1);
}, warmupMs + windowMs + drainMs + 60_000).unref();

// Names are `load0000`…: fixed width, so a relay `loadNNNN ~ <payload>` is read from its bytes.
const nameOf = (index) => `load${String(index).padStart(4, '0')}`;
const NAME_BYTES = 8;
const TILDE_AT = NAME_BYTES + 1;

function bindClient() {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });
}

/** Join as `name`: send it, send back the join code if one comes, until our join is announced. */
function register(socket, name) {
  return new Promise((resolve, reject) => {
    const joined = `[SERVER] ${name} has joined the chat.`;
    let tries = 0;
    let timer;
    const send = (text) => socket.send(text, port, values.host);
    const retry = () => {
      if (++tries > 20) return reject(new Error(`${name}: no answer from the server`));
      send(name);
      timer = setTimeout(retry, 250);
    };
    const onMessage = (message) => {
      const text = message.toString();
      const code = /^\[SERVER\] (?:Send )?([a-z2-9]{6})(?: to join.*)?$/.exec(text);
      if (code) return send(code[1]);
      if (text !== joined) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    retry();
  });
}

const sockets = [];
for (let i = 0; i < clientCount; i++) sockets.push(await bindClient());
for (let i = 0; i < clientCount; i += 10) {
  await Promise.all(sockets.slice(i, i + 10).map((socket, j) => register(socket, nameOf(i + j))));
}

// --- the measured loop ---------------------------------------------------------------------------
const filler = 'x'.repeat(payloadBytes - 10);
let nextSeq = 1;
let nextSender = 0;
let sending = true;
let counting = false;
let firstCountedSeq = Number.POSITIVE_INFINITY;
let deliveries = 0;
let stalls = 0;
const receivedInRange = new Uint32Array(clientCount);
/** Slot → { seq, sender, sentAt } of the message it waits for. */
const slots = Array.from({ length: windowSize }, () => ({ seq: 0, sender: 0, sentAt: 0 }));
const slotOfSeq = new Map();

function sendNext(slot) {
  slotOfSeq.delete(slot.seq);
  if (!sending) return;
  slot.seq = nextSeq++;
  slot.sender = nextSender;
  slot.sentAt = performance.now();
  nextSender = (nextSender + 1) % clientCount;
  slotOfSeq.set(slot.seq, slot);
  sockets[slot.sender].send(`${filler}${String(slot.seq).padStart(10, '0')}`, port, values.host);
}

function onDelivery(client, message) {
  if (message.length <= TILDE_AT || message[TILDE_AT] !== 0x7e || message[0] !== 0x6c) return; // not `load… ~ …`
  let seq = 0;
  for (let i = message.length - 10; i < message.length; i++) seq = seq * 10 + (message[i] - 0x30);
  if (counting) deliveries++;
  if (seq >= firstCountedSeq) receivedInRange[client]++;
  const slot = slotOfSeq.get(seq);
  if (slot && slot.sender === client) sendNext(slot);
}

sockets.forEach((socket, client) => socket.on('message', (message) => onDelivery(client, message)));
const stallCheck = setInterval(() => {
  if (!sending) return;
  const now = performance.now();
  for (const slot of slots) {
    if (slot.seq !== 0 && now - slot.sentAt > stallMs) {
      stalls++;
      sendNext(slot);
    }
  }
}, Math.max(5, stallMs / 4));

const cpuStart = process.cpuUsage();
const started = performance.now();
for (const slot of slots) sendNext(slot);
await new Promise((resolve) => setTimeout(resolve, warmupMs));
firstCountedSeq = nextSeq;
counting = true;
const windowStart = performance.now();
await new Promise((resolve) => setTimeout(resolve, windowMs));
counting = false;
sending = false;
const windowEnd = performance.now();
const lastCountedSeq = nextSeq - 1;
const cpu = process.cpuUsage(cpuStart);
await new Promise((resolve) => setTimeout(resolve, drainMs));
clearInterval(stallCheck);
for (const socket of sockets) socket.close();

const messages = lastCountedSeq - firstCountedSeq + 1;
const losses = Array.from(receivedInRange, (received) => Math.max(0, 1 - received / messages));
const seconds = (windowEnd - windowStart) / 1000;
process.stdout.write(
  `${JSON.stringify({
    clients: clientCount,
    window: windowSize,
    payloadBytes,
    seconds,
    deliveries,
    deliveriesPerSecond: deliveries / seconds,
    messagesSent: messages,
    stalls,
    maxLoss: Math.max(...losses),
    meanLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
    // The generator's CPU share while sending: near 1.0 means it, not the server, set the pace.
    generatorCpuShare: (cpu.user + cpu.system) / 1000 / (windowEnd - started),
  })}\n`,
);
process.exit(0);
