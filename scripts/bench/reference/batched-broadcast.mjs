// The fan-out benchmark's real floor: a broadcast server that does what netchat does for
// fan-out and nothing else. It speaks the netchat wire format for JOIN and BROADCAST, frames
// lines on bytes, decodes each line once, formats the broadcast line once and encodes it once,
// and gathers each connection's output during a tick: a microtask writes it with one write per
// connection, and recipients that got the same lines share one concatenated buffer — netchat's
// output batcher, without its send-queue budget. No checks at all: no flood control, no
// sanitising, no line or name limits, no keepalive, no send-queue accounting.
//
//   node scripts/bench/reference/batched-broadcast.mjs [--port 0] [--host 127.0.0.1]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

const LF = 0x0a;
const CR = 0x0d;

/** Registered connections, for the broadcast loop (an array iterates fastest). */
const joined = [];
/** Connections with output gathered in this tick, written by `flush`. */
let batch = [];
let flushScheduled = false;

function send(client, bytes) {
  if (client.pending) {
    client.pending.push(bytes);
    return;
  }
  client.pending = [bytes];
  batch.push(client);
  if (!flushScheduled) {
    flushScheduled = true;
    queueMicrotask(flush);
  }
}

function flush() {
  flushScheduled = false;
  const clients = batch;
  batch = [];
  // Recipients of the same lines in the same order share one concatenation.
  let sharedParts;
  let sharedBytes;
  for (const client of clients) {
    const parts = client.pending;
    client.pending = undefined;
    if (client.socket.destroyed) continue;
    let bytes;
    if (parts.length === 1) bytes = parts[0];
    else if (sharedParts && sameParts(parts, sharedParts)) bytes = sharedBytes;
    else {
      bytes = Buffer.concat(parts);
      sharedParts = parts;
      sharedBytes = bytes;
    }
    client.socket.write(bytes);
  }
}

function sameParts(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function handle(client, line) {
  const space = line.indexOf(' ');
  const verb = space === -1 ? line : line.slice(0, space);
  const rest = space === -1 ? '' : line.slice(space + 1);
  if (verb === 'JOIN' && client.name === undefined) {
    client.name = rest;
    client.index = joined.length;
    joined.push(client);
    send(client, Buffer.from(`[Server] Welcome, ${rest}! ${joined.length} users online. Type HELP for commands.\n`));
  } else if (verb === 'BROADCAST' && client.name !== undefined) {
    const bytes = Buffer.from(`[Broadcast] ${client.name}: ${rest}\n`);
    for (const other of joined) if (other !== client) send(other, bytes);
  }
}

function leave(client) {
  if (client.index === undefined) return;
  // Swap-remove: the broadcast order does not matter.
  const last = joined.pop();
  if (last !== client) {
    joined[client.index] = last;
    last.index = client.index;
  }
  client.index = undefined;
}

const server = net.createServer({ noDelay: true }, (socket) => {
  const client = { socket, name: undefined, index: undefined, pending: undefined };
  let carry;
  send(client, Buffer.from('[Server] Welcome to netchat. Register with: JOIN <name>\n'));
  socket.on('data', (chunk) => {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let end;
    while ((end = buf.indexOf(LF, start)) !== -1) {
      handle(client, buf.toString('utf8', start, end > start && buf[end - 1] === CR ? end - 1 : end));
      start = end + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  });
  socket.on('error', () => {});
  socket.on('close', () => leave(client));
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  process.stderr.write(`listening on ${address}:${port}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
