// The hostile side of the soak test (scripts/bench/soak.mjs): five attacks on one chat server,
// each from its own loopback addresses (127.0.x.y, so per-address limits see them apart from the
// honest clients and from each other), each at a fixed, bounded pace, all stopped after
// `seconds`. Run in a process of its own, so its work does not distort the honest clients'
// latency. Returns counts of what the attackers tried and what the server answered.
import net from 'node:net';

/** Counters every attack keeps: attempts, the ERROR codes the server sent, how connections ended. */
function counters() {
  return { connections: 0, connectFailures: 0, linesSent: 0, errors: {} };
}

/**
 * A connection from `localAddress` that counts the server's ERROR codes. Resolves with the
 * socket once connected, or undefined when connecting failed. Never throws.
 */
function open(port, localAddress, stats, { read = true } = {}) {
  return new Promise((resolve) => {
    stats.connections++;
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.setNoDelay(true);
    let partial = '';
    socket.on('data', (chunk) => {
      if (!read) return;
      partial += chunk.toString('latin1');
      let newline;
      while ((newline = partial.indexOf('\n')) !== -1) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        if (line.startsWith('ERROR ')) {
          const code = line.split(' ')[1];
          stats.errors[code] = (stats.errors[code] ?? 0) + 1;
        }
      }
      if (partial.length > 65536) partial = '';
    });
    socket.once('connect', () => resolve(socket));
    socket.on('error', () => {
      if (socket.connecting) stats.connectFailures++;
      resolve(undefined);
    });
  });
}

/** Resolves when `socket` closes, or destroys it after `ms`. */
function closed(socket, ms) {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Start `cycle()` `perSecond` times a second with at most `inFlight` running, until `until`.
 * Bounded both ways: a slow server makes cycles wait, not pile up.
 */
async function paced(perSecond, inFlight, until, cycle) {
  let running = 0;
  const tickMs = 10;
  const perTick = perSecond / (1000 / tickMs);
  let due = 0;
  const all = new Set();
  while (Date.now() < until) {
    due = Math.min(due + perTick, inFlight);
    while (due >= 1 && running < inFlight) {
      due--;
      running++;
      const run = cycle().finally(() => {
        running--;
        all.delete(run);
      });
      all.add(run);
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await Promise.all(all);
}

const addressesIn = (third, count) => Array.from({ length: count }, (_, i) => `127.0.${third}.${i + 1}`);

/** connect, JOIN, 8 × BROADCAST, QUIT, as fast as allowed: the loop that once got ~58,000 broadcasts/s through. */
async function reconnectFlood({ port, until, stats }) {
  const addresses = addressesIn(2, 4);
  let n = 0;
  await paced(200, 32, until, async () => {
    const id = n++;
    const socket = await open(port, addresses[id % addresses.length], stats);
    if (!socket) return;
    socket.write(`JOIN rf${id}\n${'BROADCAST rf flood\n'.repeat(8)}QUIT\n`);
    stats.linesSent += 10;
    await closed(socket, 5000);
  });
}

/** connect, JOIN, QUIT from 50 addresses, 300 cycles a second: a join/leave storm. */
async function joinLeaveStorm({ port, until, stats }) {
  const addresses = addressesIn(3, 50);
  let n = 0;
  await paced(300, 100, until, async () => {
    const id = n++;
    const socket = await open(port, addresses[id % addresses.length], stats);
    if (!socket) return;
    socket.write(`JOIN js${id}\nQUIT\n`);
    stats.linesSent += 2;
    await closed(socket, 5000);
  });
}

/**
 * Eight connections that make groups and churn the honest clients' group: half pace themselves
 * to the flood limit and stay, half send three times faster and are cut off, then come back.
 */
async function groupStorm({ port, until, stats }) {
  const addresses = addressesIn(4, 2);
  const worker = async (index) => {
    const linesPerSecond = index % 2 === 0 ? 4.5 : 15;
    let round = 0;
    while (Date.now() < until) {
      const socket = await open(port, addresses[index % addresses.length], stats);
      if (!socket) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const name = `gs${index}r${round++}`;
      socket.write(`JOIN ${name}\n`);
      let k = 0;
      const lines = () => {
        const step = k++;
        if (step % 4 === 0) return 'JOIN_GROUP lobby';
        if (step % 4 === 1) return 'LEAVE_GROUP lobby';
        if (step % 4 === 2) return `JOIN_GROUP ${name}x${step}`;
        return 'LIST_GROUPS';
      };
      const timer = setInterval(() => {
        if (socket.destroyed || Date.now() >= until) return;
        socket.write(`${lines()}\n`);
        stats.linesSent++;
      }, 1000 / linesPerSecond);
      await closed(socket, Math.max(0, until - Date.now()));
      clearInterval(timer);
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
}

/** Eight users in the honest group who never read, asking for listings at the flood limit. */
async function slowReaders({ port, until, stats }) {
  const address = '127.0.5.1';
  const worker = async (index) => {
    const socket = await open(port, address, stats, { read: false });
    if (!socket) return;
    socket.pause();
    socket.write(`JOIN sr${index}\nJOIN_GROUP lobby\n`);
    const timer = setInterval(() => {
      if (socket.destroyed) return;
      socket.write(index % 2 ? 'LIST_USERS\n' : 'HELP\n');
      stats.linesSent++;
    }, 250);
    await closed(socket, Math.max(0, until - Date.now()));
    clearInterval(timer);
    socket.destroy();
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
}

/** What a fuzzer sends: binary, over-long lines, endless lines, terminal escapes, nonsense. */
const GARBAGE = [
  () => Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)),
  () => `BROADCAST ${'x'.repeat(5000)}\n`,
  () => 'y'.repeat(20_000),
  () => Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0a, 0xf0, 0x28, 0x8c, 0xbc, 0x0a]),
  () => 'JOIN \u001b]0;pwned\u0007\nBROADCAST \u001b[2J\u202e\0\n',
  () => 'NONSENSE a b c\n\n\r\n   \nLIST_USERS AFTER\nJOIN_GROUP bad:name\n',
];

async function garbage({ port, until, stats }) {
  const addresses = addressesIn(6, 4);
  let n = 0;
  await paced(40, 20, until, async () => {
    const id = n++;
    const socket = await open(port, addresses[id % addresses.length], stats);
    if (!socket) return;
    socket.write(`JOIN gb${id}\n`);
    socket.write(GARBAGE[id % GARBAGE.length]());
    socket.end();
    stats.linesSent += 2;
    await closed(socket, 3000);
  });
}

export const ATTACKS = { reconnectFlood, joinLeaveStorm, groupStorm, slowReaders, garbage };

/** Run the attacks named against 127.0.0.1:`port` for `seconds`; resolves with each one's counters. */
export async function runAttacks(port, seconds, names = Object.keys(ATTACKS)) {
  for (const name of names) if (!Object.hasOwn(ATTACKS, name)) throw new Error(`unknown attack "${name}"`);
  const until = Date.now() + seconds * 1000;
  const results = {};
  await Promise.all(
    names.map(async (name) => {
      const attack = ATTACKS[name];
      const stats = counters();
      results[name] = stats;
      await attack({ port, until, stats });
    }),
  );
  return results;
}
