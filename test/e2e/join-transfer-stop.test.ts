// Leaving `netchat join` while a download runs, under whichever runtime NETCHAT_CLI names: the
// download stops with the client (it does not go on after the goodbye), what arrived stays in
// the partial file for the next /download to resume, and --json still ends with `closed`.
// The server here trickles the file, so the download is surely under way when the signal comes.
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { startHostileServer, type HostileServer } from '../core/chat-client/hostile-chat-server.ts';

const SIZE = 64 * 1024 * 1024;
const SHA = 'a'.repeat(64);
const PIECE = Buffer.alloc(64 * 1024, 7);

const running: CliProcess[] = [];
const servers: HostileServer[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  for (const server of servers.splice(0)) await server.close();
});

/** A chat server that hands out tickets and sends any download one piece every 20 ms; resolves with its port and a promise of the transfer connection's close. */
async function tricklingServer(): Promise<{ port: number; transferClosed: Promise<void> }> {
  let closedTransfer!: () => void;
  const transferClosed = new Promise<void>((resolve) => (closedTransfer = resolve));
  const server = await startHostileServer({
    onLine: ({ socket }, verb, rest) => {
      if (verb === 'TICKET') socket.write(`TICKET ${'b'.repeat(32)} 60\n`);
      if (verb !== 'DOWNLOAD_TCP') return;
      const [name = '', offset = '0'] = rest.split(/ (?=\d+$)/);
      socket.write(`FILE_START_TCP ${SIZE} ${SHA} ${offset} ${name}\n`);
      const timer = setInterval(() => socket.write(PIECE), 20);
      socket.on('close', () => {
        clearInterval(timer);
        closedTransfer();
      });
    },
  });
  servers.push(server);
  return { port: server.port, transferClosed };
}

describe(`netchat join leaving during a download [${CLI_RUNTIME}]`, () => {
  it('stops the download on SIGINT, keeps its partial file, and ends --json with closed', async () => {
    const { port, transferClosed } = await tricklingServer();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-stop-'));
    const client = spawnCli(['join', 'leaver', '127.0.0.1', String(port), '--download-dir', dir, '--json']);
    running.push(client);
    client.child.stdin.write('/download slow.bin\n');
    // Some bytes have arrived (the first progress event past 0).
    await client.waitForStdout(/"type":"progress"[^\n]*"bytes":[1-9]/);
    client.child.kill('SIGINT');
    expect(await client.exited, client.stderr()).toBe(EXIT.INTERRUPTED);
    await transferClosed;
    const events = client
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ type: 'closed' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'transfer-failed', name: 'slow.bin', code: 'STOPPED' }));
    // Nothing of the download is reported after the end.
    expect(events.findIndex((event) => event.type === 'transfer-failed')).toBeLessThan(events.length - 1);
    const partial = readdirSync(dir).filter((name) => name.endsWith('.part'));
    expect(partial).toHaveLength(1);
    expect(statSync(path.join(dir, partial[0]!)).size).toBeGreaterThan(0);
  });
});
