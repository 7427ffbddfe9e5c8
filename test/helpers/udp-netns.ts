// Two network namespaces joined by a veth pair, where the receiving side's nftables drops a
// share of incoming UDP at random: real kernel loss, confined to the namespaces, removed
// afterwards. Needs root, `ip` (iproute2) and `nft` (nftables); `unavailableReason()` says
// why not. Also bundles the transfer harness so plain `node` can run it inside a namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { build } from 'esbuild';

const HARNESS = path.join(import.meta.dirname, 'udp-transfer-harness.ts');

export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `\`${tool}\` is missing (Debian: iproute2, nftables)`;
  }
  return undefined;
}

function run(args: string[], input?: string): string {
  const result = spawnSync(args[0]!, args.slice(1), { input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

export interface LossyLink {
  sender: { namespace: string; address: string };
  receiver: { namespace: string; address: string };
  /** Packets the loss rule has dropped so far. */
  droppedPackets(): number;
  /** UDP RcvbufErrors in the receiver's namespace (its own /proc/net/snmp). */
  receiveBufferErrors(): number;
  remove(): void;
}

/** Namespaces `<tag>s` and `<tag>r`, 10.213.x.1 and .2, with `lossPercent` % of UDP into the receiver dropped. */
export function createLossyLink(lossPercent: number): LossyLink {
  const tag = `ncu${randomBytes(3).toString('hex')}`;
  const subnet = `10.213.${1 + (randomBytes(1)[0]! % 250)}`;
  const sender = { namespace: `${tag}s`, address: `${subnet}.1`, device: `${tag}s` };
  const receiver = { namespace: `${tag}r`, address: `${subnet}.2`, device: `${tag}r` };
  const remove = () => {
    for (const side of [sender, receiver]) spawnSync('ip', ['netns', 'del', side.namespace]);
  };
  try {
    for (const side of [sender, receiver]) run(['ip', 'netns', 'add', side.namespace]);
    run(['ip', 'link', 'add', sender.device, 'netns', sender.namespace, 'type', 'veth', 'peer', 'name', receiver.device, 'netns', receiver.namespace]);
    for (const side of [sender, receiver]) {
      run(['ip', '-n', side.namespace, 'addr', 'add', `${side.address}/24`, 'dev', side.device]);
      run(['ip', '-n', side.namespace, 'link', 'set', side.device, 'up']);
      run(['ip', '-n', side.namespace, 'link', 'set', 'lo', 'up']);
    }
    // The input hook, not prerouting: there fragments would be lost wholesale.
    const rules = `table inet netchat_loss {
      chain input {
        type filter hook input priority 0; policy accept;
        meta l4proto udp numgen random mod 100 < ${lossPercent} counter drop
      }
    }`;
    run(['ip', 'netns', 'exec', receiver.namespace, 'nft', '-f', '-'], rules);
  } catch (error) {
    remove();
    throw error;
  }
  return {
    sender: { namespace: sender.namespace, address: sender.address },
    receiver: { namespace: receiver.namespace, address: receiver.address },
    droppedPackets() {
      const listing = run(['ip', 'netns', 'exec', receiver.namespace, 'nft', 'list', 'table', 'inet', 'netchat_loss']);
      return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? Number.NaN);
    },
    receiveBufferErrors() {
      const snmp = run(['ip', 'netns', 'exec', receiver.namespace, 'cat', '/proc/net/snmp']);
      const [names, values] = snmp.split('\n').filter((line) => line.startsWith('Udp:'));
      const index = names!.split(' ').indexOf('RcvbufErrors');
      return Number(values!.split(' ')[index]);
    },
    remove,
  };
}

/** The harness as one .mjs file that node, bun and deno run without TypeScript support. */
export async function bundleHarness(outFile: string): Promise<string> {
  await build({ entryPoints: [HARNESS], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: outFile, logLevel: 'warning' });
  return outFile;
}

export interface HarnessRun {
  child: ChildProcess;
  /** Each JSON line the harness printed, as it arrives. */
  reports: unknown[];
  nextReport(): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** `command args…` inside `namespace`, reading the harness's JSON lines. */
export function runInNamespace(namespace: string, command: string, args: string[]): HarnessRun {
  const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: unknown[] = [];
  const waiting: Array<(report: Record<string, unknown>) => void> = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.trim()) continue;
      const report = JSON.parse(line) as Record<string, unknown>;
      const waiter = waiting.shift();
      if (waiter) waiter(report);
      else reports.push(report);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    reports,
    nextReport: () =>
      new Promise((resolve, reject) => {
        const queued = reports.shift();
        if (queued) return resolve(queued as Record<string, unknown>);
        waiting.push(resolve);
        void exited.then((code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}) without a report: ${stderr}`)));
      }),
    exited,
    stderr: () => stderr,
  };
}
