// One raw download for the files benchmark, in a process of its own as socat's client is:
// connect, JOIN, `DOWNLOAD_TCP <name>` on the chat connection, and write every byte after the
// header to a file with plain synchronous writes (socat's way). No hash check: the benchmark
// checks the size, and netchat's own client checks hashes in the other row.
//
//   node scripts/bench/lib/raw-download.mjs --port <port> --name <shared file> --out <file>
//
// Prints one JSON line: { bytes, sha256 (the server's header), ms }.
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FilesWireClient } from './files-wire-client.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' } } });
if (!values.port || !values.name || !values.out) {
  console.error('usage: raw-download.mjs --port <port> --name <shared file> --out <file>');
  process.exit(2);
}

const started = performance.now();
const fd = openSync(values.out, 'w');
let bytes = 0;
const client = await FilesWireClient.connect(Number(values.port));
await client.join(`raw${process.pid}`);
const header = await client.download(values.name, 0, (chunk) => {
  for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
  bytes += chunk.length;
});
closeSync(fd);
client.close();
process.stdout.write(`${JSON.stringify({ bytes, size: header.size, sha256: header.sha256, ms: performance.now() - started })}\n`);
