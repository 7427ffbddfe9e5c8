// The benchmark's floor reference: a broadcast server written the obvious way, speaking the
// netchat wire format for JOIN and BROADCAST and doing nothing else — no limits, no flood
// control, no sanitising, no send-queue accounting, one socket.write per recipient per line.
// Deliberately not optimised: it shows what a straightforward Node server costs.
//
//   node scripts/bench/reference/bare-broadcast.mjs [--port 0] [--host 127.0.0.1]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

const joined = new Map(); // socket → name

const server = net.createServer((socket) => {
  let pending = '';
  socket.setEncoding('utf8');
  socket.write('[Server] Welcome to netchat. Register with: JOIN <name>\n');
  socket.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) handle(socket, line);
  });
  socket.on('error', () => {});
  socket.on('close', () => joined.delete(socket));
});

function handle(socket, line) {
  const space = line.indexOf(' ');
  const verb = space === -1 ? line : line.slice(0, space);
  const rest = space === -1 ? '' : line.slice(space + 1);
  if (verb === 'JOIN') {
    joined.set(socket, rest);
    socket.write(`[Server] Welcome, ${rest}! ${joined.size} users online. Type HELP for commands.\n`);
  } else if (verb === 'BROADCAST' && joined.has(socket)) {
    const out = `[Broadcast] ${joined.get(socket)}: ${rest}\n`;
    for (const other of joined.keys()) {
      if (other !== socket) other.write(out);
    }
  }
}

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  process.stderr.write(`listening on ${address}:${port}\n`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
