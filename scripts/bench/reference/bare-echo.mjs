// The reference for scripts/bench/echo.mjs: the smallest node:net echo loop. It writes back each
// read as it came — no timestamp, no goodbye byte, no backpressure, no limits, no logging — so
// it is the floor for any echo server on the same runtime.
//
//   node scripts/bench/reference/bare-echo.mjs [--port 0] [--host 127.0.0.1]
//   (runs unchanged under bun and deno run -A)
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

// noDelay as netchat's runtime layer sets it, so both answer without Nagle's delay.
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => {});
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  process.stderr.write(`listening on ${address}:${port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
