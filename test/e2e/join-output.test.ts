// `netchat join` when its output cannot keep up or goes away, under whichever runtime
// NETCHAT_CLI names, against the real `netchat serve`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, cliCommand, ROOT, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(extra: string[] = []): Promise<number> {
  // The tests share one server and count on every join and leave being announced.
  const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--announce-rate', '1000', ...extra]);
  cleanups.push(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  });
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return Number(port);
}

async function peer(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  cleanups.push(() => client.close());
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

/** `netchat join` whose stdout nobody reads until `readStdout()`; its stderr is kept. */
function joinWithUnreadStdout(args: string[]) {
  const [command, prefix] = cliCommand();
  const child = spawn(command, [...prefix, 'join', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  child.stdout.pause();
  let stderr = '';
  const wakers = new Set<() => void>();
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const wake of [...wakers]) wake();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    stderr: () => stderr,
    exited,
    readStdout: () => child.stdout.resume(),
    waitForStderr: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stderr)) {
            wakers.delete(check);
            resolve();
          }
        };
        wakers.add(check);
        child.on('close', () => reject(new Error(`[${CLI_RUNTIME}] exited before stderr matched ${pattern}:\n${stderr}`)));
        check();
      }),
  };
}

/** A registered peer that only counts what it receives, keeping no more than the last line's worth. */
async function countingPeer(port: number, name: string) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  cleanups.push(() => void socket.destroy());
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let tail = '';
  const seen = new Set<string>();
  const wakers = new Set<() => void>();
  socket.on('data', (text: string) => {
    const lines = (tail + text).split('\n');
    tail = lines.pop()!;
    for (const line of lines) if (!line.startsWith('[Broadcast]')) seen.add(line);
    for (const wake of [...wakers]) wake();
  });
  socket.write(`JOIN ${name}\n`);
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (seen.has(line)) {
          wakers.delete(check);
          resolve();
        } else if (socket.destroyed) reject(new Error(`${name} was disconnected waiting for ${line}`));
      };
      wakers.add(check);
      check();
    });
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return { socket, seen, waitFor };
}

describe(`netchat join when stdout backs up [${CLI_RUNTIME}]`, () => {
  it('stops reading the server while nobody reads its stdout, so the server cuts it off as a slow reader', async () => {
    const port = await startServer(['--flood-burst', '0']);
    const reader = joinWithUnreadStdout(['reader', '127.0.0.1', String(port), '--stay']);
    reader.child.stdin.end();
    await reader.waitForStderr(/joined .* as reader/);
    // The flood goes no faster than a client reading at full speed takes it (the control), so
    // only a client that stopped reading falls a send queue behind and is cut off.
    const control = await countingPeer(port, 'control');
    const flooder = await countingPeer(port, 'flooder');
    const kicked = '[Server] reader has left the chat (send queue full).';
    const batch = `BROADCAST ${'x'.repeat(4000)}\n`.repeat(16);
    // A client that kept reading would take all of this into memory and never be cut off.
    const budget = 256 * 1024 * 1024;
    let sent = 0;
    for (let round = 1; sent < budget && !control.seen.has(kicked); round++) {
      flooder.socket.write(`${batch}UNICAST control round ${round}\n`);
      sent += batch.length;
      await control.waitFor(`[Private] flooder: round ${round}`);
    }
    expect(sent, 'the client kept reading while its stdout was not read').toBeLessThan(budget);
    await control.waitFor(kicked);
    // Once its output is read again, it reads the server again, finds the connection closed and says so.
    reader.readStdout();
    expect(await reader.exited, reader.stderr()).toBe(EXIT.SERVER_CLOSED);
  });
});

describe(`netchat join when stdout is closed [${CLI_RUNTIME}]`, () => {
  it('leaves quietly with QUIT and exits 141, as `netchat join … | head -1` needs', async () => {
    const port = await startServer();
    const alice = await peer(port, 'alice');
    const client = spawnCli(['join', 'bot', '127.0.0.1', String(port)]);
    cleanups.push(() => void client.child.kill('SIGKILL'));
    await client.waitForStderr(/joined .* as bot/);
    alice.sendLine('BROADCAST one');
    await client.waitForStdout(/one/);
    // What `head -1` does after its first line: the reading end of the pipe goes away.
    client.child.stdout.destroy();
    alice.sendLine('BROADCAST two');
    expect(await client.exited, client.stderr()).toBe(EXIT.OUTPUT_CLOSED);
    await alice.waitForLine('[Server] bot has left the chat (quit).');
    expect(client.stderr()).not.toMatch(/EPIPE|Error|at /);
  });
});
