// `netchat serve` at its file-descriptor limit, under every runtime: the real CLI started with a
// lowered `ulimit -n` (prlimit). Out of descriptors it logs once, stops accepting without
// burning CPU, and accepts again (and chats) once connections close; --max-connections fits
// the limit by default and a larger flag is warned about.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

const running: CliProcess[] = [];
const clients: LineClient[] = [];
const WELCOME = /^\[Server\] Welcome to netchat\./;
const PAUSED = /out of file descriptors \((EMFILE|ENFILE)\) with (\d+) connected: not accepting until some close\n/;
const pauses = (stderr: string) => [...stderr.matchAll(new RegExp(PAUSED.source, 'g'))];
const RESUMED = /accepting connections again \((\d+) connected\)\n/;
/** Flags that keep the per-address limits out of the way: every test client is 127.0.0.1. */
const ONE_ADDRESS = ['--max-per-ip', '1000', '--connect-rate', '0'];

async function serveWithDescriptors(limit: number, ...flags: string[]): Promise<{ proc: CliProcess; port: number }> {
  const proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', ...flags], { wrapper: ['prlimit', `--nofile=${limit}:${limit}`, '--'] });
  running.push(proc);
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/);
  return { proc, port: Number(port) };
}

/** A connection the server has welcomed, or undefined when it was refused or closed first. */
async function welcomed(port: number): Promise<LineClient | undefined> {
  let client: LineClient;
  try {
    client = await LineClient.connect(port);
  } catch {
    return undefined;
  }
  clients.push(client);
  try {
    await client.waitForLine(WELCOME, { timeoutMs: 10_000 });
    return client;
  } catch {
    client.close();
    return undefined;
  }
}

function refusedByKernel(port: number): Promise<string> {
  return LineClient.connect(port).then(
    (client) => {
      clients.push(client);
      return 'connected';
    },
    (error: NodeJS.ErrnoException) => error.code ?? 'error',
  );
}

/** CPU time the process has used, in clock ticks (utime + stime). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

describe(`netchat serve at its descriptor limit [${CLI_RUNTIME}]`, () => {
  it('logs running out once, refuses meanwhile without busy CPU, accepts and chats again once connections close', async () => {
    const { proc, port } = await serveWithDescriptors(64, '--max-connections', '200', ...ONE_ADDRESS);
    expect(proc.stderr()).toMatch(/--max-connections 200 is more than 64 open files \(ulimit -n\)/);

    // Open connections one by one until the server says it ran out: far fewer than 64.
    const open: LineClient[] = [];
    for (let attempts = 0; !PAUSED.test(proc.stderr()); attempts++) {
      const client = await welcomed(port);
      if (client) open.push(client);
      expect(open.length).toBeLessThan(64);
      expect(attempts).toBeLessThan(1_000);
    }
    const [, , connected] = pauses(proc.stderr())[0]!;
    expect(Number(connected)).toBe(open.length);

    // While out of descriptors: attempts are refused at once, the server stays idle and says
    // nothing more. The interval is a run of refused attempts, bounded by count and by ~0.5 s.
    const before = cpuTicks(proc.child.pid!);
    const started = performance.now();
    let attempts = 0;
    while (attempts < 2_000 && performance.now() - started < 500) {
      expect(await refusedByKernel(port)).toBe('ECONNREFUSED');
      attempts++;
    }
    const elapsedTicks = ((performance.now() - started) / 1000) * 100;
    // A busy loop uses about one tick per tick of wall time; an idle server nearly none.
    expect(cpuTicks(proc.child.pid!) - before).toBeLessThan(elapsedTicks / 2);
    expect(pauses(proc.stderr())).toHaveLength(1);
    for (const client of open) expect(client.closed).toBe(false);

    // Connections close: the server listens again on the same port, and chat works.
    for (const client of open.splice(0, 20)) client.close();
    await proc.waitForStderr(RESUMED);
    const alice = await welcomed(port);
    const bob = await welcomed(port);
    expect(alice && bob).toBeTruthy();
    alice!.sendLine('JOIN alice');
    bob!.sendLine('JOIN bob');
    await alice!.waitForLine(/^\[Server\] Welcome, /);
    await bob!.waitForLine(/^\[Server\] Welcome, /);
    alice!.sendLine('BROADCAST back again');
    expect(await bob!.waitForLine(/^\[Broadcast\]/)).toBe('[Broadcast] alice: back again');
    // One spell, one line, even though it ended.
    expect(pauses(proc.stderr())).toHaveLength(1);
  });

  // With `ulimit -n 256` there is room for 256 - 32 (the runtime, stdio, the listener) - 64 (a
  // file for each of the default 64 TCP transfers) - 32 (a file and a socket for each of the
  // default 16 UDP transfers) = 128 connections.
  it('fits --max-connections to the descriptor limit by default: the 128th is welcomed, the 129th is SERVER_FULL', async () => {
    const { proc, port } = await serveWithDescriptors(256, ...ONE_ADDRESS);
    for (let i = 0; i < 128; i++) expect(await welcomed(port)).toBeDefined();
    const past = await LineClient.connect(port);
    clients.push(past);
    expect(await past.waitForLine(/^ERROR /)).toMatch(/^ERROR SERVER_FULL /);
    expect(proc.stderr()).not.toMatch(/--max-connections/);
    expect(proc.stderr()).not.toMatch(PAUSED);
  });

  it.each([
    ['128', false],
    ['129', true],
  ])('--max-connections %s with ulimit -n 256: warned %s', async (flag, warned) => {
    const { proc } = await serveWithDescriptors(256, '--max-connections', flag);
    const warning = /--max-connections \d+ is more than 256 open files \(ulimit -n\) leave room for \(128\)/;
    if (warned) expect(proc.stderr()).toMatch(warning);
    else expect(proc.stderr()).not.toMatch(warning);
  });
});
