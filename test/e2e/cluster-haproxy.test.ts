// docs/haproxy.cfg as the documentation gives it: Debian's haproxy in front of three cluster
// nodes, clients connecting only to haproxy, spread over the nodes, chatting as on one server.
// It runs in one project only (e2e:node): the proxy is what is tested, not the runtime.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, ROOT, type CliProcess } from '../helpers/cli.ts';
import { joinedClient, meshed, startClusterNode, type ClusterNodeProcess } from '../helpers/cluster-nodes.ts';
import type { LineClient } from '../helpers/line-client.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

let nats: NatsServer | undefined;
let haproxy: ChildProcess | undefined;
const running: CliProcess[] = [];
const clients: LineClient[] = [];

/** A port nobody listens on now (haproxy's bind needs a number). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

beforeAll(async () => {
  if (CLI_RUNTIME === 'node') nats = await startNatsServer();
});

afterAll(async () => {
  for (const client of clients) client.close();
  haproxy?.kill('SIGKILL');
  for (const proc of running) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await nats?.stop();
});

describe.runIf(CLI_RUNTIME === 'node')('docs/haproxy.cfg in front of three nodes', () => {
  it('spreads clients over the nodes, and they chat as on one server', async () => {
    const nodes: ClusterNodeProcess[] = [];
    for (let i = 0; i < 3; i++) nodes.push(await startClusterNode(nats!.url));
    running.push(...nodes.map((node) => node.proc));
    await meshed(nodes);
    const port = await freePort();
    haproxy = spawn('haproxy', ['-f', path.join(ROOT, 'docs/haproxy.cfg'), '-db'], {
      env: {
        ...process.env,
        NETCHAT_LB_BIND: `127.0.0.1:${port}`,
        NETCHAT_NODE1: `127.0.0.1:${nodes[0]!.port}`,
        NETCHAT_NODE2: `127.0.0.1:${nodes[1]!.port}`,
        NETCHAT_NODE3: `127.0.0.1:${nodes[2]!.port}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let haproxyLog = '';
    haproxy.stderr!.setEncoding('utf8').on('data', (chunk: string) => (haproxyLog += chunk));
    // A configuration haproxy refuses shows up here, not as a mysterious timeout.
    haproxy.on('exit', (code) => code !== null && console.error(`haproxy exited (${code}):\n${haproxyLog}`));
    // haproxy health-checks every node once it runs, after binding: each node logs that connection.
    for (const node of nodes) await node.proc.waitForStderr(/connect #\d+ from 127\.0\.0\.1/);

    const names = ['uno', 'dos', 'tres'];
    for (const name of names) clients.push(await joinedClient(port, name));
    // Round robin: one user on each node.
    for (const node of nodes) await node.proc.waitForStderr(/#\d+ joined as (uno|dos|tres)\n/);
    const [uno, dos, tres] = clients as [LineClient, LineClient, LineClient];
    await uno.waitForLine('[Server] tres has joined the chat.');
    uno.sendLine('BROADCAST through the proxy');
    await dos.waitForLine('[Broadcast] uno: through the proxy');
    await tres.waitForLine('[Broadcast] uno: through the proxy');
    tres.sendLine('LIST_USERS');
    expect(await tres.waitForLine(/^\[Users\] /)).toBe('[Users] dos, tres, uno');
  });
});
