// A real nats-server (Debian's, 2.9) for the cluster tests: JetStream on, its store in a
// scratch folder, a free port chosen by the server (`-p -1`). It can be
// killed and started again on the same port and store, as an outage and a recovery.
// The port is read from its log line, written at the same moment as its ports file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Start again on the same port with the same store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves with the client port once the server says it is ready (the same port its ports file gets). */
function waitForReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 15000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const port = /Listening for client connections on [^\s]+:(\d+)/.exec(log);
      if (port && log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(Number(port[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${log}`));
    });
  });
}

/** `extraArgs`: more nats-server options, such as `--user u --pass p`. */
export async function startNatsServer(extraArgs: string[] = []): Promise<NatsServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-nats-'));
  const launch = async (port: number | undefined) => {
    const args = ['-a', '127.0.0.1', '-p', String(port ?? -1), '-js', '-sd', path.join(dir, 'js'), '--ports_file_dir', dir, ...extraArgs];
    const child = spawn('nats-server', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return { child, port: await waitForReady(child) };
  };
  const first = await launch(undefined);
  let child = first.child;
  const port = first.port;
  const url = `nats://127.0.0.1:${port}`;
  const killed = () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    url,
    port,
    async kill() {
      child.kill('SIGKILL');
      await killed();
    },
    async restart() {
      child = (await launch(port)).child;
    },
    async stop() {
      child.kill('SIGKILL');
      await killed();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
