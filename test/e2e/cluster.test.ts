// `netchat serve --cluster` against a real nats-server started here: nodes spawned as users run
// them, raw line clients on different nodes, and the failures: a node SIGKILLed, NATS killed and
// started again. Every wait is on a line arriving, never on time passing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { joinedClient, meshed, startClusterNode, type ClusterNodeProcess } from '../helpers/cluster-nodes.ts';
import { LineClient } from '../helpers/line-client.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { writeNatsOperatorFiles } from '../helpers/nats-operator.ts';

let nats: NatsServer;
const running: CliProcess[] = [];
const clients: LineClient[] = [];

async function startNode(natsUrl: string): Promise<ClusterNodeProcess> {
  const node = await startClusterNode(natsUrl);
  running.push(node.proc);
  return node;
}

async function joined(port: number, name: string): Promise<LineClient> {
  const client = await joinedClient(port, name);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  nats = await startNatsServer();
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

describe(`netchat serve --cluster [${CLI_RUNTIME}]`, () => {
  it('lets clients on two nodes chat as on one server, with names unique across both', async () => {
    const one = await startNode(nats.url);
    const two = await startNode(nats.url);
    await meshed([one, two]);
    const ann = await joined(one.port, 'ann');
    const bob = await joined(two.port, 'bob');
    await ann.waitForLine('[Server] bob has joined the chat.');

    const taken = await LineClient.connect(two.port);
    clients.push(taken);
    taken.sendLine('JOIN ANN');
    expect(await taken.waitForLine(/^ERROR /)).toMatch(/^ERROR NAME_TAKEN /);

    for (let i = 1; i <= 3; i++) ann.sendLine(`BROADCAST hello ${i}`);
    ann.sendLine('UNICAST bob psst');
    await bob.waitForLine('[Private] ann: psst');
    expect(bob.lines.filter((line) => line.startsWith('[Broadcast]') || line.startsWith('[Private]'))).toEqual([
      '[Broadcast] ann: hello 1',
      '[Broadcast] ann: hello 2',
      '[Broadcast] ann: hello 3',
      '[Private] ann: psst',
    ]);

    bob.sendLine('JOIN_GROUP crew');
    await bob.waitForLine(/^\[Server\] You joined group crew/);
    // The group reached node one when ann, joining it, counts two members.
    for (;;) {
      const from = ann.lines.length;
      ann.sendLine('JOIN_GROUP crew');
      const answer = await ann.waitForLine(/^\[Server\] You joined group crew/, { from });
      if (answer.includes('2 members')) break;
      ann.sendLine('LEAVE_GROUP crew');
      await ann.waitForLine(/^\[Server\] You left group crew/, { from });
    }
    ann.sendLine('GROUP_MSG crew in the group');
    await bob.waitForLine('[Group crew] ann: in the group');
    ann.sendLine('LIST_USERS');
    await ann.waitForLine('[Users] ann, bob');
    bob.sendLine('LIST_GROUPS');
    await bob.waitForLine('[Groups] crew (2)');

    bob.sendLine('QUIT');
    await ann.waitForLine('[Server] bob has left the chat (quit).');
    // No message was delivered twice anywhere.
    expect(bob.lines.filter((line) => line === '[Broadcast] ann: hello 1')).toHaveLength(1);
  });

  it('announces the users of a SIGKILLed node gone on the others and frees their names', async () => {
    const nodes = [await startNode(nats.url), await startNode(nats.url), await startNode(nats.url)];
    await meshed(nodes);
    const [one, two, three] = nodes as [ClusterNodeProcess, ClusterNodeProcess, ClusterNodeProcess];
    const amy = await joined(one.port, 'amy');
    const ben = await joined(two.port, 'ben');
    await joined(three.port, 'cyd');
    await amy.waitForLine('[Server] cyd has joined the chat.');
    await ben.waitForLine('[Server] cyd has joined the chat.');

    three.proc.child.kill('SIGKILL');
    await amy.waitForLine('[Server] cyd has left the chat (server unreachable).');
    await ben.waitForLine('[Server] cyd has left the chat (server unreachable).');
    await one.proc.waitForStderr(new RegExp(`cluster node ${three.id} is silent: declared dead, 1 of its users gone`));
    // The name is free again, on either survivor.
    await joined(two.port, 'CYD');
    await amy.waitForLine('[Server] CYD has joined the chat.');
  });

  it('a node restarted under the same id deletes what its killed run left, and the others drop that run’s users', async () => {
    // A long bound: the restart, not the dead-node check, must be what cleans up.
    const one = await startClusterNode(nats.url, { deadAfter: '30' });
    running.push(one.proc);
    const killed = await startClusterNode(nats.url, { deadAfter: '30' });
    running.push(killed.proc);
    await meshed([one, killed]);
    const uma = await joined(one.port, 'uma');
    await joined(killed.port, 'rex');
    await uma.waitForLine('[Server] rex has joined the chat.');
    killed.proc.child.kill('SIGKILL');
    await killed.proc.exited;

    const again = await startClusterNode(nats.url, { id: killed.id, deadAfter: '30' });
    running.push(again.proc);
    await again.proc.waitForStderr(/deleted 1 name leases left by an earlier run of this node/);
    await uma.waitForLine('[Server] rex has left the chat (server restarted).');
    await joined(again.port, 'rex');
    await uma.waitForLine((line) => line === '[Server] rex has joined the chat.', { from: uma.lines.indexOf('[Server] rex has left the chat (server restarted).') });
  });

  it('keeps serving through a NATS outage and settles a name claimed on two nodes meanwhile', async () => {
    const one = await startNode(nats.url);
    const two = await startNode(nats.url);
    await meshed([one, two]);
    const ada = await joined(one.port, 'ada');
    const bo = await joined(two.port, 'bo');
    await ada.waitForLine('[Server] bo has joined the chat.');

    await nats.kill();
    await one.proc.waitForStderr(/lost the NATS connection/);
    await two.proc.waitForStderr(/lost the NATS connection/);
    // Local users still chat; names are admitted provisionally on both sides.
    const early = await joined(one.port, 'dup');
    const late = await joined(two.port, 'dup');
    early.sendLine('BROADCAST during the outage');
    await ada.waitForLine('[Broadcast] dup: during the outage');

    await nats.restart();
    await one.proc.waitForStderr(/NATS connection back/);
    await two.proc.waitForStderr(/NATS connection back/);
    // The earlier claim keeps the name; the other user is told.
    expect(await late.waitForLine(/^ERROR /, { timeoutMs: 15000 })).toMatch(/^ERROR NAME_TAKEN /);
    await two.proc.waitForStderr(/the name dup was also claimed/);
    // Chat crosses nodes again.
    bo.sendLine('BROADCAST after the outage');
    await ada.waitForLine('[Broadcast] bo: after the outage', { timeoutMs: 15000 });
    // bo saw the losing dup join during the outage and leave; the winner joins after that.
    await bo.waitForLine('[Server] dup has left the chat (name taken on another server).', { timeoutMs: 15000 });
    const lost = bo.lines.indexOf('[Server] dup has left the chat (name taken on another server).');
    await bo.waitForLine('[Server] dup has joined the chat.', { from: lost, timeoutMs: 15000 });
    bo.sendLine('LIST_USERS');
    await bo.waitForLine('[Users] ada, bo, dup');
    expect(early.lines.some((line) => line.startsWith('ERROR'))).toBe(false);
  });

  it('joins a NATS server that wants a user and password, given in the URL, and says so when they are wrong', async () => {
    const guarded = await startNatsServer(['--user', 'chat', '--pass', 's3cret']);
    try {
      const url = `nats://chat:s3cret@127.0.0.1:${guarded.port}`;
      const node = await startClusterNode(url);
      running.push(node.proc);
      await node.proc.waitForStderr(/joined the cluster as node /);
      const refused = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', url.replace('s3cret', 'wrong'), '--node-id', 'refused']);
      running.push(refused);
      expect(await refused.exited, refused.stderr()).toBe(EXIT.CONNECT);
      expect(refused.stderr()).toMatch(/cannot join the cluster at 127\.0\.0\.1:\d+: .*(auth|Authorization)/i);
      expect(refused.stderr()).not.toMatch(/listening on/);
    } finally {
      await guarded.stop();
    }
  });

  it('says where to look when NATS lets a node connect but not in (an account at its connection limit)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-nats-limit-'));
    // The lease bucket's JetStream traffic runs on the node's one connection: one is enough for a node.
    const operator = await writeNatsOperatorFiles(dir, { maxConnections: 1 });
    const guarded = await startNatsServer(operator.serverArgs);
    try {
      const serve = (id: string) => {
        const proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', guarded.url, '--cluster-creds', operator.userCreds, '--node-id', id]);
        running.push(proc);
        return proc;
      };
      await serve('first').waitForStderr(/joined the cluster as node first/);
      const second = serve('second');
      expect(await second.exited, second.stderr()).toBe(EXIT.CONNECT);
      expect(second.stderr()).toMatch(/cannot join the cluster at 127\.0\.0\.1:\d+: no NATS handshake within 5 s .*connection limit/);
    } finally {
      await guarded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('joins a NATS server in operator mode with --cluster-creds, and refuses a creds file it cannot use before anything starts', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-nats-creds-'));
    const operator = await writeNatsOperatorFiles(dir);
    const guarded = await startNatsServer(operator.serverArgs);
    try {
      const serve = (creds: string, id: string) => {
        const proc = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', guarded.url, '--cluster-creds', creds, '--node-id', id]);
        running.push(proc);
        return proc;
      };
      const node = serve(operator.userCreds, 'creds-ok');
      await node.waitForStderr(/joined the cluster as node creds-ok/);
      const stranger = serve(operator.strangerCreds, 'stranger');
      expect(await stranger.exited, stranger.stderr()).toBe(EXIT.CONNECT);
      expect(stranger.stderr()).toMatch(/cannot join the cluster at 127\.0\.0\.1:\d+: .*(auth|Authorization)/i);
      const withoutCreds = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', guarded.url, '--node-id', 'no-creds']);
      running.push(withoutCreds);
      expect(await withoutCreds.exited).toBe(EXIT.CONNECT);

      const garbled = path.join(dir, 'garbled.creds');
      writeFileSync(garbled, readFileSync(operator.userCreds, 'utf8').replace(/^SU[A-Z2-7]{10}/m, 'SUAAAAAAAAAA'));
      const unusable = [[path.join(dir, 'missing.creds'), /no such file/], [garbled, /checksum/], [operator.serverArgs[1]!, /unable to parse credentials/], ['/dev/zero', /FILE_NOT_REGULAR/]] as const;
      for (const [file, why] of unusable) {
        const refused = serve(file, 'refused');
        expect(await refused.exited, refused.stderr()).toBe(EXIT.USAGE);
        expect(refused.stderr()).toContain(`--cluster-creds ${file}: `);
        expect(refused.stderr()).toMatch(why);
        expect(refused.stderr()).not.toMatch(/sharing|listening on/);
      }
    } finally {
      await guarded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reaches NATS over TLS with --cluster-tls-ca, refuses a server it cannot verify, and says when the CA file is missing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-nats-tls-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    // The NATS client checks 127.0.0.1 against `localhost` under Node and Deno, against the IP under Bun: name both.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const secured = await startNatsServer(['--tlscert', cert, '--tlskey', key]);
    try {
      const url = `tls://127.0.0.1:${secured.port}`;
      const node = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', url, '--cluster-tls-ca', cert, '--node-id', 'tls-ok']);
      running.push(node);
      await node.waitForStderr(/joined the cluster as node tls-ok/);
      const unverified = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', url, '--node-id', 'tls-refused']);
      running.push(unverified);
      expect(await unverified.exited).toBe(EXIT.CONNECT);
      expect(unverified.stderr()).toMatch(/cannot join the cluster at 127\.0\.0\.1:\d+: .*certificate/i);
      const missingCa = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--cluster', url, '--cluster-tls-ca', path.join(dir, 'missing.pem'), '--node-id', 'tls-no-ca']);
      running.push(missingCa);
      expect(await missingCa.exited).toBe(EXIT.USAGE);
      expect(missingCa.stderr()).toMatch(/--cluster-tls-ca \S+missing\.pem: no such file/);
    } finally {
      await secured.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
