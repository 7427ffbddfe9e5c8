// One cluster made of a Node, a Bun and a Deno node: the nodes speak the same NATS messages
// whatever runs them. It spawns all three runtimes itself, so it runs in one project only
// (e2e:node, where dist/ is built).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, ROOT, type CliProcess, type CliRuntime } from '../helpers/cli.ts';
import { joinedClient, meshed, startClusterNode, type ClusterNodeProcess } from '../helpers/cluster-nodes.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

let nats: NatsServer;
const running: CliProcess[] = [];
const clients: LineClient[] = [];

async function startNode(runtime: CliRuntime): Promise<ClusterNodeProcess> {
  const node = await startClusterNode(nats.url, { runtime, id: `${runtime}-${process.pid}` });
  running.push(node.proc);
  return node;
}

async function joined(port: number, name: string): Promise<LineClient> {
  const client = await joinedClient(port, name);
  clients.push(client);
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
    await meshed(nodes);
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

  it('loads the cluster code and the NATS client only in cluster mode (dist: dynamic imports only)', () => {
    const dist = path.join(ROOT, 'dist');
    const files = [path.join(dist, 'cli.mjs'), ...['chunks', 'shared'].flatMap((dir) => readdirSync(path.join(dist, dir)).map((f) => path.join(dist, dir, f)))];
    const natsChunk = files.find((file) => readFileSync(file, 'utf8').includes('@nats-io') || /nats-backplane/.test(path.basename(file)))!;
    expect(natsChunk).toBeDefined();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const staticImports = [...text.matchAll(/^import [^;]*from ['"]([^'"]+)['"]/gm)].map((m) => path.basename(m[1]!));
      expect(staticImports, file).not.toContain(path.basename(natsChunk));
      expect(staticImports, file).not.toContain('cluster-node.mjs');
    }
  });
});
