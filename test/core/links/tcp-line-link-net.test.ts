// TcpLineLink on real sockets on 127.0.0.1: an `nc`-style upload after a command line, and a
// download of raw bytes under backpressure with lines held behind it.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LineLink, LineLinkHandler } from '../../../src/core/links/line-link.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import type { TcpServer } from '../../../src/runtime/types.ts';

const LIMITS = { maxLineBytes: 1024, maxUnterminatedBytes: 4096 };
const ignore = () => {};
let server: TcpServer | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

/** A server that makes a TcpLineLink of its one connection and gives it to `onLink`. */
async function serve(onLink: (link: LineLink) => void): Promise<number> {
  server = await getRuntime().listenTcp({ host: '127.0.0.1', port: 0, allowHalfOpen: true }, (connection) =>
    onLink(new TcpLineLink(connection, LIMITS)),
  );
  return server.address.port;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(socket));
    sockets.push(socket);
    socket.on('error', reject);
  });
}

/** Every byte the socket receives until the server closes. */
function readAll(socket: net.Socket): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)))));
}

/** Byte `i` of the raw body: a repeating 251-byte pattern, so a shifted or dropped chunk shows. */
function patterned(offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (offset + i) % 251;
  return bytes;
}

const quiet: LineLinkHandler = { line: ignore, overlong: ignore, inputOverflow: ignore, peerEnded: ignore, closed: ignore };

describe('TcpLineLink on real sockets', () => {
  it('reads a command line, then every following byte raw until the half-close, sent in one write', async () => {
    const body = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) % 256);
    const received: Buffer[] = [];
    const lines: string[] = [];
    const port = await serve((link) => {
      link.attach({
        ...quiet,
        line: (line) => {
          lines.push(line);
          if (!line.startsWith('UPLOAD ')) return;
          link.startRawInput({
            data: (bytes) => received.push(Buffer.from(bytes)),
            end: () => link.end(`got ${Buffer.concat(received).length}`),
          });
        },
      });
    });
    const socket = await connect(port);
    const reply = readAll(socket);
    socket.end(Buffer.concat([Buffer.from(`UPLOAD ${body.length}\r\n`), body]));
    expect(new TextDecoder().decode(await reply)).toBe(`got ${body.length}\n`);
    expect(lines).toEqual([`UPLOAD ${body.length}`]);
    expect(new Uint8Array(Buffer.concat(received))).toEqual(body);
  });

  it('writes a header line, then raw bytes under backpressure, then the lines held meanwhile', async () => {
    // However large the kernel's buffers, the server writes until the link pushes back, then
    // as much again after the drain: the backpressure path is always taken.
    const CHUNK = 64 * 1024;
    const CAP = 512 * 1024 * 1024;
    let waitedForDrain = 0;
    let sent = 0;
    let encrypted: boolean | undefined;
    const port = await serve((link) => {
      link.attach(quiet);
      encrypted = link.encrypted;
      link.writeLine('DOWNLOAD');
      let stopAt = CAP;
      const pump = () => {
        while (sent < stopAt) {
          const chunk = patterned(sent, CHUNK);
          sent += chunk.length;
          const more = raw.write(chunk);
          // A chat line for this client arriving mid-download waits for the end of it.
          if (sent === chunk.length) link.writeLine('[Broadcast] ann: hello');
          if (!more) {
            if (waitedForDrain++ === 0) stopAt = 2 * sent;
            return;
          }
        }
        raw.end();
        link.end('[Server] Goodbye, bob.');
      };
      const raw = link.startRawOutput(pump);
      pump();
    });
    const socket = await connect(port);
    const wire = await readAll(socket);
    const header = new TextEncoder().encode('DOWNLOAD\n');
    const body = patterned(0, sent);
    const after = new TextEncoder().encode('[Broadcast] ann: hello\n[Server] Goodbye, bob.\n');
    expect(wire.length).toBe(header.length + body.length + after.length);
    expect(wire.subarray(0, header.length)).toEqual(header);
    expect(Buffer.compare(wire.subarray(header.length, header.length + body.length), body)).toBe(0);
    expect(wire.subarray(header.length + body.length)).toEqual(after);
    expect(waitedForDrain).toBeGreaterThan(0);
    expect(sent).toBeLessThan(CAP);
    expect(encrypted).toBe(false);
  });
});
