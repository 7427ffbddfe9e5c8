// One process of fan-out receivers for scripts/bench/web.mjs, over TCP or over WebSocket, each
// as cheap as the other once joined, so that the server, not the load generator, sets the pace:
//
//  - TCP: count the LF bytes of each read (no decoding, no line strings);
//  - WebSocket: after the upgrade handshake by hand on a raw `net` socket, walk the frame
//    headers of each read and skip the payloads (no decoding, no library, no unmasking: server
//    frames are not masked).
//
// Both count only the benchmark's broadcasts, known by their last byte ('x', the padding; no
// other line the server sends ends so), which each side sees without looking at anything else.
//
//   node scripts/bench/lib/web-fanout-receivers.mjs '{"transport":"tcp"|"ws","port":N,"first":0,"count":250}'
//
// stdout: `ready` once every receiver joined, then `at <k>` whenever every receiver of this
// process has had its k-th broadcast (lines arrive in order on each connection, so k is the
// lowest count of any receiver here). The parent kills the process when it is done.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const { transport, port, first, count } = JSON.parse(process.argv[2]);
const LF = 0x0a;
const LAST = 0x78; // 'x'

/** Receivers at each delivery count, to keep the lowest count in O(1) per delivery. */
const atLevel = new Map([[0, count]]);
let lowest = 0;
let reportScheduled = false;
function delivered(previous) {
  atLevel.set(previous, atLevel.get(previous) - 1);
  atLevel.set(previous + 1, (atLevel.get(previous + 1) ?? 0) + 1);
  if (previous !== lowest || atLevel.get(lowest) > 0) return;
  while (atLevel.get(lowest) === 0) atLevel.delete(lowest++);
  if (reportScheduled) return;
  reportScheduled = true;
  setImmediate(() => {
    reportScheduled = false;
    process.stdout.write(`at ${lowest}\n`);
  });
}

/** A masked client text frame (RFC 6455 §5.3), for the JOIN line only. */
function clientFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
  return frame;
}

/** TCP: lines until the welcome, then LF counting. */
function tcpReceiver(name) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.on('connect', () => socket.write(`JOIN ${name}\n`));
    let greeting = '';
    let received = 0;
    let previousByte = 0;
    const count = (chunk, from) => {
      for (let at = chunk.indexOf(LF, from); at !== -1; at = chunk.indexOf(LF, at + 1)) {
        const before = at > 0 ? chunk[at - 1] : previousByte;
        if (before === LAST) delivered(received++);
      }
      previousByte = chunk[chunk.length - 1];
    };
    const onData = (chunk) => {
      greeting += chunk.toString('latin1');
      const welcome = greeting.indexOf(`[Server] Welcome, ${name}!`);
      if (welcome === -1) return;
      const end = greeting.indexOf('\n', welcome);
      if (end === -1) return;
      socket.off('data', onData);
      socket.on('data', (next) => count(next, 0));
      // What followed the welcome in the same read (nothing, unless a broadcast had begun).
      const rest = Buffer.from(greeting.slice(end + 1), 'latin1');
      if (rest.length > 0) count(rest, 0);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** WebSocket: the upgrade and the JOIN by hand, then frame headers only. */
function wsReceiver(name) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(`GET /chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    let received = 0;
    // The frame walk: payload bytes still to skip, and a header cut by the end of a read.
    let skip = 0;
    let head = Buffer.alloc(0);
    const count = (chunk) => {
      let buffer = chunk;
      let at = 0;
      if (head.length > 0) {
        buffer = Buffer.concat([head, chunk]);
        head = Buffer.alloc(0);
      }
      for (;;) {
        if (skip > 0) {
          const available = buffer.length - at;
          if (available < skip) {
            skip -= available;
            return;
          }
          at += skip;
          skip = 0;
          if (buffer[at - 1] === LAST) delivered(received++);
        }
        if (at >= buffer.length) return;
        if (buffer.length - at < 2) return void (head = buffer.subarray(at));
        let length = buffer[at + 1] & 0x7f;
        let header = 2;
        if (length === 126) {
          if (buffer.length - at < 4) return void (head = buffer.subarray(at));
          length = buffer.readUInt16BE(at + 2);
          header = 4;
        } else if (length === 127) {
          if (buffer.length - at < 10) return void (head = buffer.subarray(at));
          length = Number(buffer.readBigUInt64BE(at + 2));
          header = 10;
        }
        at += header;
        skip = length;
        if (length === 0) continue;
      }
    };
    // Until joined: the handshake answer and whole frames, as text.
    let pending = Buffer.alloc(0);
    let upgraded = false;
    const onData = (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!pending.subarray(0, 12).toString().includes('101')) return reject(new Error(String(pending)));
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(clientFrame(`JOIN ${name}`));
      }
      let at = 0;
      while (pending.length - at >= 2) {
        const length = pending[at + 1] & 0x7f; // the greeting and welcome are short frames
        const header = length === 126 ? 4 : 2;
        const size = length === 126 ? pending.readUInt16BE(at + 2) : length;
        if (pending.length - at < header + size) break;
        const line = pending.toString('latin1', at + header, at + header + size);
        at += header + size;
        if (line.startsWith(`[Server] Welcome, ${name}!`)) {
          socket.off('data', onData);
          socket.on('data', count);
          if (pending.length > at) count(pending.subarray(at));
          return resolve(socket);
        }
      }
      pending = pending.subarray(at);
    };
    socket.on('data', onData);
  });
}

const connect = transport === 'ws' ? wsReceiver : tcpReceiver;
const sockets = [];
// A few at a time: the server's accept queue and join handling stay out of the measure.
for (let i = 0; i < count; i += 25) {
  const batch = [];
  for (let k = i; k < Math.min(count, i + 25); k++) batch.push(connect(`${transport}${first + k}`));
  sockets.push(...(await Promise.all(batch)));
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
