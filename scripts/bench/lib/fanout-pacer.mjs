// How the fan-out senders write. Throughput mode: S senders take turns writing as fast as the
// server reads (write until write() returns false, then wait for 'drain'), with at most
// `window` messages sent and not yet delivered (averaged over all receivers, in every load
// process), so a server that reads faster than it delivers cannot bury the receivers in queued
// output. Rate mode: the senders write `rate` messages per second in total, for latency
// without saturation.
import { performance } from 'node:perf_hooks';

/**
 * Pace `senderSockets`. `config`: the load config (mode, rate, window, batch, receivers),
 * `message()` (one message line), `delivered()` (deliveries so far at every receiver).
 * Returns { sent, start(), stop(), onDelivered() }; call onDelivered when deliveries grew.
 */
export function createPacer(senderSockets, config) {
  const S = senderSockets.length;
  const R = config.receivers;
  const pacer = { sent: 0, start: () => {}, stop: () => {}, onDelivered: () => {} };
  let sending = false;

  function write(socket, count) {
    let text = '';
    for (let i = 0; i < count; i++) text += config.message();
    pacer.sent += count;
    return socket.write(text);
  }

  // Senders take turns, one batch each, so every sender holds about window/S of the messages
  // in flight. (One sender taking the whole window would leave tens of KiB unread in its
  // socket, and InspIRCd's edge-triggered reads stall on that until its 1 s timer.)
  function startThroughput() {
    const blocked = new Set();
    const credit = () => Math.floor(config.window - (pacer.sent - config.delivered() / R));
    let scheduled = false;
    let turn = 0;
    const schedule = () => {
      if (scheduled || !sending) return;
      scheduled = true;
      setImmediate(pump);
    };
    pacer.onDelivered = () => {
      if (credit() >= config.batch) schedule();
    };
    function pump() {
      scheduled = false;
      while (sending && blocked.size < S) {
        const available = credit();
        if (available <= 0) return; // deliveries call onDelivered
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
  }

  function startFixedRate() {
    const start = performance.now();
    let next = 0;
    const timer = setInterval(() => {
      if (!sending) return clearInterval(timer);
      const due = Math.floor(((performance.now() - start) / 1000) * config.rate) - pacer.sent;
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
  }

  pacer.start = () => {
    sending = true;
    if (config.mode === 'rate') startFixedRate();
    else startThroughput();
  };
  pacer.stop = () => {
    sending = false;
  };
  return pacer;
}
