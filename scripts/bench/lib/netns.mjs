// Network namespaces for benchmarks (Linux, root): a namespace with only its own loopback, so
// its UDP counters (/proc/net/snmp is per namespace) count nothing but the benchmark; and a
// pair joined by a veth link, with nftables in the receiving one dropping a share of incoming
// UDP at random (with a counter to prove it). Everything made here is removed at exit.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const created = new Set();
let cleanupInstalled = false;

function removeAll() {
  for (const name of created) spawnSync('ip', ['netns', 'del', name]);
  created.clear();
}

function run(args, input) {
  const result = spawnSync(args[0], args.slice(1), { input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function namespacesUnavailable() {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install iproute2 nftables)`;
  }
  return undefined;
}

function addNamespace(name) {
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.on('exit', removeAll);
  }
  run(['ip', 'netns', 'add', name]);
  created.add(name);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

/** The UDP counters of /proc/net/snmp as seen in namespace `name` (or here, when undefined). */
export function udpCounters(name) {
  const snmp = name ? run(['ip', 'netns', 'exec', name, 'cat', '/proc/net/snmp']) : run(['cat', '/proc/net/snmp']);
  const [keys, values] = snmp.split('\n').filter((line) => line.startsWith('Udp:'));
  const names = keys.split(' ').slice(1);
  const numbers = values.split(' ').slice(1).map(Number);
  return Object.fromEntries(names.map((key, i) => [key, numbers[i]]));
}

/** A namespace with only a loopback interface; `lossPercent` of the UDP in it is dropped. */
export function loopbackNamespace(lossPercent = 0) {
  const name = addNamespace(`ncb${randomBytes(3).toString('hex')}l`);
  // With 127.0.0.1 alone, getaddrinfo's AI_ADDRCONFIG finds no IPv4 address configured and
  // in.tftpd cannot resolve even `127.0.0.1`; one more address on lo satisfies it.
  run(['ip', '-n', name, 'addr', 'add', '10.214.255.1/32', 'dev', 'lo']);
  if (lossPercent > 0) addLossRule(name, lossPercent);
  return { name, dropped: () => (lossPercent > 0 ? lossRuleDrops(name) : 0), remove: () => remove(name) };
}

/** Drop `lossPercent` of the UDP entering namespace `name`, at random, counting what is dropped. */
function addLossRule(name, lossPercent) {
  // Dropped in the input hook, not prerouting: there fragments would be lost wholesale.
  const rules = `table inet netchat_loss {
    chain input {
      type filter hook input priority 0; policy accept;
      meta l4proto udp numgen random mod 100 < ${lossPercent} counter drop
    }
  }`;
  run(['ip', 'netns', 'exec', name, 'nft', '-f', '-'], rules);
}

/** Datagrams the loss rule in namespace `name` dropped so far. */
function lossRuleDrops(name) {
  const listing = run(['ip', 'netns', 'exec', name, 'nft', 'list', 'table', 'inet', 'netchat_loss']);
  return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? Number.NaN);
}

function remove(name) {
  spawnSync('ip', ['netns', 'del', name]);
  created.delete(name);
}

/** Sender and receiver namespaces on one veth link; `lossPercent` of UDP into the receiver is dropped. */
export function vethPair(lossPercent) {
  const tag = `ncb${randomBytes(3).toString('hex')}`;
  const sender = { name: addNamespace(`${tag}s`), address: '10.214.0.1', device: `${tag}s` };
  const receiver = { name: addNamespace(`${tag}r`), address: '10.214.0.2', device: `${tag}r` };
  run(['ip', 'link', 'add', sender.device, 'netns', sender.name, 'type', 'veth', 'peer', 'name', receiver.device, 'netns', receiver.name]);
  for (const side of [sender, receiver]) {
    run(['ip', '-n', side.name, 'addr', 'add', `${side.address}/24`, 'dev', side.device]);
    run(['ip', '-n', side.name, 'link', 'set', side.device, 'up']);
  }
  if (lossPercent > 0) addLossRule(receiver.name, lossPercent);
  return {
    sender,
    receiver,
    /** Datagrams the loss rule dropped so far. */
    dropped: () => (lossPercent > 0 ? lossRuleDrops(receiver.name) : 0),
    remove() {
      remove(sender.name);
      remove(receiver.name);
    },
  };
}
