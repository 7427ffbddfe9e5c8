// The reference for scripts/bench/udp-relay.mjs: the smallest node:dgram relay loop, the
// original UDP chat and nothing else. The first datagram from an address is its name; every
// later one is relayed as `<name> ~ <message>` to every address — no join code, no budget, no
// rate limit, no UTF-8 check, no logging — so it is the floor for any UDP chat server on the
// same runtime.
//
//   node scripts/bench/reference/bare-udp-relay.mjs [--port 0] [--host 127.0.0.1]
//   (runs unchanged under bun and deno run -A)
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

const socket = dgram.createSocket('udp4');
const prefixes = new Map(); // `address port` → Buffer `<name> ~ `
const clients = [];

socket.on('message', (message, from) => {
  const key = `${from.address} ${from.port}`;
  const prefix = prefixes.get(key);
  if (prefix === undefined) {
    const name = message.toString().trim();
    prefixes.set(key, Buffer.from(`${name} ~ `));
    clients.push({ address: from.address, port: from.port });
    const joined = Buffer.from(`[SERVER] ${name} has joined the chat.`);
    for (const client of clients) socket.send(joined, client.port, client.address);
    return;
  }
  const relay = Buffer.concat([prefix, message]);
  for (const client of clients) socket.send(relay, client.port, client.address);
});

socket.bind(Number(values.port), values.host, () => {
  const { address, port } = socket.address();
  process.stderr.write(`listening on ${address}:${port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
