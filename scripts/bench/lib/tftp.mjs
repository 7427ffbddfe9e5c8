// The TFTP reference: Debian's tftpd-hpa (`in.tftpd`) serving a temp dir on a loopback port,
// and the tftp-hpa client fetching from it. The tftp-hpa 5.2 client negotiates no options, so
// it runs with TFTP's own 512-byte blocks and one block in flight: the largest block size and
// window it supports.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnRaised, stopChild } from './processes.mjs';

export function tftpUnavailable() {
  for (const tool of ['in.tftpd', 'tftp']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install tftpd-hpa tftp-hpa)`;
  }
  return undefined;
}

function inNamespace(namespace, command, args) {
  return namespace ? ['ip', ['netns', 'exec', namespace, command, ...args]] : [command, args];
}

/** Resolves once something listens on UDP `port` in the namespace (in.tftpd prints nothing). */
async function waitForUdpPort(namespace, port, timeoutMs = 5000) {
  const started = Date.now();
  for (;;) {
    const [command, args] = inNamespace(namespace, 'ss', ['-Hulnp', `sport = :${port}`]);
    if (spawnSync(command, args, { encoding: 'utf8' }).stdout.trim()) return;
    if (Date.now() - started > timeoutMs) throw new Error(`in.tftpd is not listening on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function freeUdpPort() {
  // A TCP port free a moment ago is as good a guess for UDP on loopback.
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Fetch `file` (inside `dir`) over TFTP on 127.0.0.1 into `out`; resolves with the wall time. */
export async function tftpFetch({ namespace, dir, file, out }) {
  // in.tftpd drops to an unprivileged user: the directory and file must be readable to it.
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  const port = namespace ? 6969 : await freeUdpPort();
  const [command, args] = inNamespace(namespace, 'in.tftpd', ['-L', '-s', '-a', `127.0.0.1:${port}`, dir]);
  const server = spawnRaised(command, args);
  try {
    await waitForUdpPort(namespace, port);
    const [clientCommand, clientArgs] = inNamespace(namespace, 'tftp', ['-m', 'binary', '127.0.0.1', String(port), '-c', 'get', path.basename(file), out]);
    const started = performance.now();
    const result = spawnSync(clientCommand, clientArgs, { encoding: 'utf8', timeout: 900_000 });
    const wallMs = performance.now() - started;
    if (result.status !== 0) throw new Error(`tftp failed: ${result.stderr || result.stdout}`);
    return { wallMs };
  } finally {
    await stopChild(server);
  }
}
