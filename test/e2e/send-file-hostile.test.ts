// `netchat send-file` against a hostile server, under whichever runtime NETCHAT_CLI names: the
// stored name and the error it answers with reach the user's terminal — on stdout, inside
// messages on stderr, in --json — and must never drive it.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, SCRATCH } from '../helpers/cli.ts';

/** Window title, clear screen, bell, a bidi override, a tab. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u202eevil\t';
/** Any character a terminal would act on, except the LF that ends each output line. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A server that greets, then answers the upload line with `answer` (and the trailer with `stored`). */
async function hostileServer(answer: string, stored?: string): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write('[Server] Welcome to netchat. Register with: JOIN <name>\n');
    let seen = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const before = seen;
      seen += chunk;
      if (!before.includes('\n') && seen.includes('\n')) {
        socket.write(`${answer}\n`);
        if (!stored) socket.end();
      }
      if (stored && !/SHA256 [0-9a-f]{64}\n/.test(before) && /SHA256 [0-9a-f]{64}\n/.test(seen)) socket.end(`${stored}\n`);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function sendFile(port: number, ...extra: string[]) {
  const file = path.join(SCRATCH, 'three.txt');
  writeFileSync(file, 'abc');
  return runCli(['send-file', file, `127.0.0.1:${port}`, ...extra], { input: '' });
}

describe(`netchat send-file against a hostile server [${CLI_RUNTIME}]`, () => {
  it('shows a refusal’s code and message made safe, in text and in --json', async () => {
    const port = await hostileServer(`ERROR FILE_TOO${HOSTILE}LARGE ${HOSTILE}`);
    for (const extra of [[], ['--json']]) {
      const result = await sendFile(port, ...extra);
      expect(result.code, result.stderr).toBe(EXIT.TRANSFER_FAILED);
      expect(result.stdout).not.toMatch(UNSAFE);
      expect(result.stderr).not.toMatch(UNSAFE);
      expect(result.stdout + result.stderr).toContain('pwned');
    }
  });

  it('takes no stored name that no shared file may have, and says so safely', async () => {
    const sha = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    const port = await hostileServer('UPLOAD_READY', `FILE_STORED 3 ${sha} stored${HOSTILE}.txt`);
    const result = await sendFile(port);
    expect(result.code, result.stderr).toBe(EXIT.TRANSFER_FAILED);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(UNSAFE);
    expect(result.stderr).toMatch(/BAD_REPLY/);
  });
});
