// `… | head -1` for the commands that print results: when the reader of stdout goes away, each
// stops as a writer cut off by SIGPIPE would — exit 141, no stack trace — and udp-join leaves the
// chat on the way out. Under whichever runtime NETCHAT_CLI names.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';

const running: CliProcess[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

function start(args: string[]): CliProcess {
  const proc = spawnCli(args);
  running.push(proc);
  return proc;
}

async function listening(args: string[], pattern: RegExp): Promise<{ proc: CliProcess; port: string }> {
  const proc = start(args);
  const [, port] = await proc.waitForStderr(pattern);
  return { proc, port: port! };
}

/** What `head -1` does after its first line: the reading end of the pipe goes away. */
function closeStdout(proc: CliProcess): void {
  proc.child.stdout.destroy();
}

function expectQuietExit(proc: CliProcess, code: number): Promise<void> {
  return proc.exited.then((exited) => {
    expect(exited, proc.stderr()).toBe(code);
    expect(proc.stderr()).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
  });
}

describe(`commands whose stdout is closed [${CLI_RUNTIME}]`, () => {
  it('udp-join leaves the chat and exits 141', async () => {
    const server = await listening(['udp-serve', '--host', '127.0.0.1', '--port', '0'], /listening on 127\.0\.0\.1:(\d+) \(udp chat\)/);
    const piper = start(['udp-join', 'piper', '127.0.0.1', server.port]);
    await piper.waitForStdout(/piper has joined/);
    closeStdout(piper);
    // Someone else joining is one more line for piper to print.
    const other = start(['udp-join', 'other', '127.0.0.1', server.port]);
    await expectQuietExit(piper, EXIT.OUTPUT_CLOSED);
    await server.proc.waitForStderr(/piper \(127\.0\.0\.1:\d+\) left: quit/);
    other.child.stdin.end();
    expect(await other.exited, other.stderr()).toBe(EXIT.OK);
  });

  it('echo stops probing and exits 141', async () => {
    const server = await listening(['echo', '--host', '127.0.0.1', '--port', '0'], /listening on 127\.0\.0\.1:(\d+) /);
    const client = start(['echo', '127.0.0.1', server.port, '--count', '1000', '--interval', '0.01']);
    await client.waitForStdout(/^reply from /m);
    closeStdout(client);
    await expectQuietExit(client, EXIT.OUTPUT_CLOSED);
  });

  it('send-file stops after the verdict it could not print and exits 141', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-stdout-'));
    const first = path.join(dir, 'first.txt');
    writeFileSync(first, 'one');
    const server = await listening(['serve', '--host', '127.0.0.1', '--port', '0', '--shared-dir', path.join(dir, 'shared')], /listening on 127\.0\.0\.1:(\d+)/);
    // stdin is the second file: it ends, and its verdict is printed, only after stdout has gone.
    const sender = start(['send-file', first, '-', `127.0.0.1:${server.port}`, '--name', 'second.txt']);
    await sender.waitForStdout(/first\.txt\t/);
    closeStdout(sender);
    sender.child.stdin.end('two');
    await expectQuietExit(sender, EXIT.OUTPUT_CLOSED);
  });
});
