// `netchat serve --cluster` nodes for the end-to-end tests, with short heartbeat and dead-node
// bounds so that a failure is noticed within a test's patience, and raw line clients on them.
import { spawnCli, type CliProcess, type CliRuntime } from './cli.ts';
import { LineClient } from './line-client.ts';

export const TEST_HEARTBEAT = '0.25';
export const TEST_DEAD_AFTER = '1.5';

export interface ClusterNodeProcess {
  proc: CliProcess;
  port: number;
  id: string;
}

let nextNode = 0;

export async function startClusterNode(
  natsUrl: string,
  options: { runtime?: CliRuntime; id?: string; deadAfter?: string } = {},
): Promise<ClusterNodeProcess> {
  const id = options.id ?? `node-${process.pid}-${++nextNode}`;
  const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', natsUrl, '--node-id', id, '--shared-dir', `shared-${id}`];
  const proc = spawnCli([...args, '--cluster-heartbeat', TEST_HEARTBEAT, '--cluster-dead-after', options.deadAfter ?? TEST_DEAD_AFTER], {
    ...(options.runtime && { runtime: options.runtime }),
  });
  const [, port] = await proc.waitForStderr(/listening on (?:\S+):(\d+)\n/, 30000).catch((error: Error) => {
    proc.child.kill('SIGKILL');
    throw error;
  });
  return { proc, port: Number(port), id };
}

/** Wait until every node has heard of every other. */
export async function meshed(nodes: ClusterNodeProcess[]): Promise<void> {
  for (const node of nodes) {
    for (const other of nodes) if (other !== node) await node.proc.waitForStderr(new RegExp(`cluster node ${other.id} is up`));
  }
}

/** A client registered as `name`. */
export async function joinedClient(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  client.sendLine(`JOIN ${name}`);
  await client.waitForLine(/^\[Server\] Welcome, /);
  return client;
}
