// Load-generator clients: connect many, register each through its wire adapter, then read
// with a byte-level line counter that never decodes strings (the generator must stay cheaper
// than the server it measures).
import net from 'node:net';
import { LF } from './wire-adapters.mjs';

/**
 * Connect one client and register it; resolves with the socket once it is in the room.
 * `onRegistered(socket)` runs at that very moment, so a reader attached there misses nothing
 * the server sends afterwards.
 */
export function connectClient({ host, port, adapter, name, onRegistered, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    let pending = '';
    const timer = setTimeout(() => fail(new Error(`${name}: not registered after ${timeoutMs} ms`)), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    const onData = (chunk) => {
      pending += chunk.toString('latin1');
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
          socket.off('data', onData);
          socket.off('error', fail);
          socket.off('close', onEarlyClose);
          onRegistered?.(socket);
          resolve(socket);
          return;
        }
      }
    };
    const onEarlyClose = () => fail(new Error(`${name}: closed before registering`));
    socket.on('data', onData);
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
  socket.on('data', (chunk) => {
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
