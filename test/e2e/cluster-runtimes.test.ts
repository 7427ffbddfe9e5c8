// One cluster made of a Node, a Bun and a Deno node: the nodes speak the same NATS messages
// whatever runs them. It spawns all three runtimes itself, so it runs in one project only
// (e2e:node, where dist/ is built).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, spawnCli, type CliProcess, type CliRuntime } from '../helpers/cli.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

let nats: NatsServer;
const running: CliProcess[] = [];
const clients: LineClient[] = [];

async function startNode(runtime: CliRuntime): Promise<{ proc: CliProcess; port: number; id: string }> {
  const id = `${runtime}-${process.pid}`;
  const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', nats.url, '--node-id', id, '--shared-dir', `shared-${id}`];
  const proc = spawnCli([...args, '--cluster-heartbeat', '0.25', '--cluster-dead-after', '1.5'], { runtime });
  running.push(proc);
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/, 30000);
  return { proc, port: Number(port), id };
}

async function joined(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push(client);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(/^\[Server\] Welcome, /);
  return client;
}

beforeAll(async () => {
  if (CLI_RUNTIME === 'node') nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proc of running.splice(0)) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
});

describe.runIf(CLI_RUNTIME === 'node')('a cluster of a Node, a Bun and a Deno node', () => {
  it('relays chat between users on all three and keeps their names unique', async () => {
    const nodes = [await startNode('node'), await startNode('bun'), await startNode('deno')];
    for (const node of nodes) {
      for (const other of nodes) if (other !== node) await node.proc.waitForStderr(new RegExp(`cluster node ${other.id} is up`));
    }
    const [onNode, onBun, onDeno] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const nat = await joined(onNode.port, 'nat');
    const bunny = await joined(onBun.port, 'bunny');
    const dina = await joined(onDeno.port, 'dina');
    await nat.waitForLine('[Server] dina has joined the chat.');

    nat.sendLine('BROADCAST from node');
    bunny.sendLine('UNICAST dina from bun');
    dina.sendLine('BROADCAST from deno');
    await bunny.waitForLine('[Broadcast] nat: from node');
    await dina.waitForLine('[Broadcast] nat: from node');
    await dina.waitForLine('[Private] bunny: from bun');
    await nat.waitForLine('[Broadcast] dina: from deno');
    await bunny.waitForLine('[Broadcast] dina: from deno');

    const again = await LineClient.connect(onDeno.port);
    clients.push(again);
    again.sendLine('JOIN Bunny');
    expect(await again.waitForLine(/^ERROR /)).toMatch(/^ERROR NAME_TAKEN /);
    dina.sendLine('LIST_USERS');
    await dina.waitForLine('[Users] bunny, dina, nat');
  });
});
