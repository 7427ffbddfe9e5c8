// Load-generator clients: connect many, register each through its wire adapter, then read
// with a byte-level line counter that never decodes strings (the generator must stay cheaper
// than the server it measures).
//
// Sockets read through `onread` into one buffer shared by every socket of the process, not
// through 'data' events: no Buffer is allocated and no stream machinery runs per read, which
// halves the generator's CPU per delivery. Each read is handled synchronously before the next
// one can overwrite the buffer; a reader that keeps bytes must copy them. `socket.setReader
// (fn)` replaces the reader: fn(buf, length) gets bytes buf[0 … length).
import net from 'node:net';
import { LF } from './wire-adapters.mjs';

const sharedReadBuffer = Buffer.allocUnsafe(256 * 1024);

/** A socket whose received bytes go to `socket.setReader(fn)`; 'data' events never fire. */
function connectReading({ host, port }) {
  let reader = () => {};
  const socket = net.connect({
    host,
    port,
    onread: { buffer: sharedReadBuffer, callback: (length, buf) => reader(buf, length) },
  });
  socket.setReader = (fn) => {
    reader = fn;
  };
  return socket;
}

/**
 * Connect one client and register it; resolves with the socket once it is in the room.
 * `onRegistered(socket)` runs at that very moment, so a reader set there misses nothing the
 * server sends afterwards (what came in the same read as the welcome is dropped: join notices).
 */
export function connectClient({ host, port, adapter, name, onRegistered, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const socket = connectReading({ host, port });
    socket.setNoDelay(true);
    let pending = '';
    const timer = setTimeout(() => fail(new Error(`${name}: not registered after ${timeoutMs} ms`)), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    socket.setReader((buf, length) => {
      pending += buf.toString('latin1', 0, length);
      let newline;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        let state;
        try {
          state = adapter.onSetupLine(line, name, (text) => socket.write(text));
        } catch (error) {
          fail(error);
          return;
        }
        if (state === 'registered') {
          clearTimeout(timer);
          socket.setReader(() => {});
          socket.off('error', fail);
          socket.off('close', onEarlyClose);
          onRegistered?.(socket);
          resolve(socket);
          return;
        }
      }
    });
    const onEarlyClose = () => fail(new Error(`${name}: closed before registering`));
    socket.on('error', fail);
    socket.on('close', onEarlyClose);
    socket.once('connect', () => socket.write(adapter.hello(name)));
  });
}

/** Connect and register `names` with at most `concurrency` registrations in flight. */
export async function connectMany({ names, concurrency = 100, ...options }) {
  const sockets = new Array(names.length);
  let next = 0;
  async function worker() {
    while (next < names.length) {
      const index = next++;
      sockets[index] = await connectClient({ ...options, name: names[index] });
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  return sockets;
}

/**
 * Count the deliveries a socket receives. `onDelivery(buf, start, end)` runs for each
 * delivered line when given (latency probes); PINGs are answered; everything else is ignored.
 * Returns a counter object whose `deliveries` and `lines` grow as data arrives.
 */
export function countDeliveries(socket, adapter, { onDelivery, onCount } = {}) {
  const counter = { deliveries: 0, lines: 0, closed: false };
  let carry;
  socket.setReader((received, length) => {
    const chunk = received.subarray(0, length);
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let end;
    let found = 0;
    while ((end = buf.indexOf(LF, start)) !== -1) {
      counter.lines++;
      if (adapter.isDelivery(buf, start, end)) {
        found++;
        if (onDelivery) onDelivery(buf, start, end);
      } else {
        const reply = adapter.pingReply(buf, start, end);
        if (reply) socket.write(reply);
      }
      start = end + 1;
    }
    // The shared read buffer is overwritten by the next read: a partial line is copied.
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    if (found) {
      counter.deliveries += found;
      onCount?.(found);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => (counter.closed = true));
  return counter;
}
