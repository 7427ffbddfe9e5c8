// `netchat join` in a pipe across a server restart: by default it exits as it always did; with
// --reconnect it comes back with the same name and sends what it read meanwhile. And
// --timestamps puts the time before each line it prints; /query works as in a terminal.
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';

async function startServer(port = 0): Promise<{ server: CliProcess; port: number }> {
  const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', String(port)]);
  const [, actual] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(actual) };
}

async function peer(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(new RegExp(`^\\[Server\\] Welcome, ${name}!`));
  return client;
}

describe(`netchat join in a pipe, across a server restart [${CLI_RUNTIME}]`, () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const track = (proc: CliProcess) => {
    cleanup.push(async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
    });
    return proc;
  };

  it('exits 5 when the server goes, without --reconnect', async () => {
    const { server, port } = await startServer();
    track(server);
    const bot = track(spawnCli(['join', 'bot1', '127.0.0.1', String(port)]));
    await bot.waitForStderr(/joined 127\.0\.0\.1/);
    server.child.kill('SIGTERM');
    expect(await bot.exited).toBe(EXIT.SERVER_CLOSED);
  });

  it('with --reconnect, joins again after a restart, rejoins its group and sends what it read meanwhile', async () => {
    const first = await startServer();
    track(first.server);
    const bot = track(spawnCli(['join', 'bot2', '127.0.0.1', String(first.port), '--reconnect']));
    await bot.waitForStderr(/joined 127\.0\.0\.1/);
    bot.child.stdin.write('/join crew\n');
    await bot.waitForStdout(/You joined group crew/);
    first.server.child.kill('SIGTERM');
    await first.server.exited;
    await bot.waitForStderr(/reconnecting/);
    bot.child.stdin.write('/join read-while-away\n');

    const second = track((await startServer(first.port)).server);
    expect(second).toBeDefined();
    const watcher = await peer(first.port, 'watcher2');
    cleanup.push(() => watcher.close());
    await bot.waitForStderr(/reconnected as bot2; back in crew/, 30_000);
    // The line read while away was sent once back.
    await bot.waitForStdout(/You joined group read-while-away/);
    watcher.sendLine('JOIN_GROUP crew');
    await watcher.waitForLine(/You joined group crew \(2 members\)/);
    bot.child.stdin.write('/group crew after the restart\n');
    await watcher.waitForLine('[Group crew] bot2: after the restart');
    bot.child.stdin.end();
    expect(await bot.exited).toBe(EXIT.OK);
  });

  it('--timestamps puts the time before each printed line; a bad format is a usage error', async () => {
    const { server, port } = await startServer();
    track(server);
    const talker = await peer(port, 'talker3');
    cleanup.push(() => talker.close());
    const bot = track(spawnCli(['join', 'bot3', '127.0.0.1', String(port), '--stay', '--timestamps', '%H:%M:%S']));
    bot.child.stdin.end();
    await bot.waitForStderr(/joined 127\.0\.0\.1/);
    talker.sendLine('BROADCAST stamped');
    await bot.waitForStdout(/\[Broadcast\] talker3: stamped/);
    expect(bot.stdout()).toMatch(/^\[\d\d:\d\d:\d\d\] \[Broadcast\] talker3: stamped$/m);

    const bad = await runCli(['join', 'bot4', '127.0.0.1', String(port), '--timestamps', '%H:%Q']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toContain('%Q');
  });
});

describe(`netchat join in a pipe, with a current target [${CLI_RUNTIME}]`, () => {
  it('sends plain lines after /query to that user, and after /query alone to everyone again', async () => {
    const { server, port } = await startServer();
    try {
      const pat = await peer(port, 'pat5');
      const sam = await peer(port, 'sam5');
      const result = await runCli(['join', 'bot5', '127.0.0.1', String(port)], { input: '/query pat5\nonly for pat\n/query\nfor all\n' });
      expect(result.code, result.stderr).toBe(EXIT.OK);
      await pat.waitForLine('[Private] bot5: only for pat');
      await sam.waitForLine('[Broadcast] bot5: for all');
      expect(sam.lines.some((l) => l.includes('only for pat'))).toBe(false);
      pat.close();
      sam.close();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
