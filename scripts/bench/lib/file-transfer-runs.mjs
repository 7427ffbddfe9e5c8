// One timed transfer each, for the files benchmark: netchat's own client (`join` + `/download`,
// `send-file`), a raw DOWNLOAD_TCP client, and socat in both directions. Every run is a fresh
// client process; its time runs from the client's spawn to the moment the file is whole at its
// destination (for socat uploads: until the receiving socat has exited). Each run checks what it
// moved and throws when something is wrong, so a broken transfer cannot pass as a fast one.
// Each resolves with { ms, clientCpuS } (socat runs add their server's serverCpuS; uploads the
// name the file was stored under): CPU time is the steadier figure on a shared machine.
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freePort, rssKiB, spawnRaised, waitForOutput } from './processes.mjs';

const RAW_DOWNLOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-download.mjs');
/** socat's block size in the reference runs: 128 KiB, as the issue asks. */
export const SOCAT_BLOCK = '131072';

/**
 * CPU time (user + system) of a process that is about to exit: read from /proc every `everyMs`
 * until `stop()`, which returns the last reading (so at most `everyMs` of CPU goes uncounted).
 */
function watchCpu(pid, everyMs = 10) {
  let last = 0;
  const sample = () => {
    try {
      last = cpuSeconds(pid);
    } catch {
      // Gone already: the last reading stands.
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return last;
    },
  };
}

/** Run a client to its end; resolves with exit code, output tails, wall time and CPU time. Killed after `timeoutMs`. */
function runClient(command, args, { input, timeoutMs, env }) {
  const started = performance.now();
  const child = spawnRaised(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const cpu = watchCpu(child.pid);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (stdout = (stdout + text).slice(-65536)));
  child.stdin.on('error', () => {});
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return child.exited.then((code) => {
    clearTimeout(timer);
    return { code, stdout, stderr: child.recentStderr(), ms: performance.now() - started, cpuS: cpu.stop() };
  });
}

function expectSize(file, size, what) {
  const actual = statSync(file).size;
  if (actual !== size) throw new Error(`${what}: ${file} has ${actual} bytes, not ${size}`);
}

function expectExit(result, what) {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.stderr}`);
}

let joinCount = 0;

/** `printf '/download <name>\n' | netchat join <user> 127.0.0.1 <port> --download-dir <dir>`. */
export async function netchatDownload({ netchat, port, name, size, dir, timeoutMs }) {
  const [command, prefix] = netchat;
  const user = `bench${++joinCount}`;
  const args = [...prefix, 'join', user, '127.0.0.1', String(port), '--download-dir', dir];
  const result = await runClient(command, args, { input: `/download ${name}\n`, timeoutMs });
  expectExit(result, 'netchat join');
  if (!result.stderr.includes(`saved ${name} to`)) throw new Error(`netchat join did not save ${name}:\n${result.stderr}`);
  // join checked the SHA-256 itself before giving the file its name.
  expectSize(path.join(dir, name), size, 'netchat join');
  return { ms: result.ms, clientCpuS: result.cpuS };
}

/** A raw DOWNLOAD_TCP on a chat connection, written with synchronous writes (raw-download.mjs). */
export async function rawDownload({ port, name, size, sha256, dir, timeoutMs }) {
  const out = path.join(dir, name);
  const result = await runClient(process.execPath, [RAW_DOWNLOAD, '--port', String(port), '--name', name, '--out', out], { timeoutMs });
  expectExit(result, 'raw download');
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1));
  if (report.sha256 !== sha256) throw new Error(`raw download: the server announced SHA-256 ${report.sha256}, not ${sha256}`);
  expectSize(out, size, 'raw download');
  return { ms: result.ms, clientCpuS: result.cpuS };
}

/** Start a socat that serves or takes one connection; resolves once it listens. */
async function startSocatServer(address) {
  const port = await freePort();
  const args = ['-d', '-d', '-b', SOCAT_BLOCK, '-u'];
  const listen = `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`;
  const child = spawnRaised('socat', address.from ? [...args, address.from, listen] : [...args, listen, address.to]);
  child.stdout.resume();
  await waitForOutput(child, /listening on/, 10_000, 'socat server');
  return { port, child, cpu: watchCpu(child.pid) };
}

/** `socat FILE:<source> TCP-LISTEN` served to `socat TCP CREATE:<dir>/<name>`. */
export async function socatDownload({ source, name, size, dir, timeoutMs }) {
  const out = path.join(dir, name);
  const server = await startSocatServer({ from: `FILE:${source}` });
  const client = runClient('socat', ['-b', SOCAT_BLOCK, '-u', `TCP:127.0.0.1:${server.port}`, `CREATE:${out}`], { timeoutMs });
  const [result, serverCode] = await Promise.all([client, server.child.exited]);
  const serverCpuS = server.cpu.stop();
  expectExit(result, 'socat client');
  if (serverCode !== 0) throw new Error(`socat server exited with ${serverCode}:\n${server.child.recentStderr()}`);
  expectSize(out, size, 'socat download');
  return { ms: result.ms, clientCpuS: result.cpuS, serverCpuS };
}

/** `netchat send-file <source> 127.0.0.1 <port>`; checks the server's verdict line. */
export async function netchatUpload({ netchat, port, source, size, sha256, sharedDir, timeoutMs }) {
  const [command, prefix] = netchat;
  const result = await runClient(command, [...prefix, 'send-file', source, '127.0.0.1', String(port)], { timeoutMs });
  expectExit(result, 'netchat send-file');
  const [label, stored, storedSize, storedSha] = result.stdout.trim().split('\n').at(-1).split('\t');
  if (label !== source || Number(storedSize) !== size || storedSha !== sha256) {
    throw new Error(`netchat send-file: unexpected verdict "${result.stdout.trim()}"`);
  }
  expectSize(path.join(sharedDir, stored), size, 'netchat send-file');
  return { ms: result.ms, clientCpuS: result.cpuS, stored };
}

/** `socat FILE:<source> TCP` to `socat TCP-LISTEN CREATE:<dir>/<name>`; done when the receiver has exited. */
export async function socatUpload({ source, name, size, dir, timeoutMs }) {
  const out = path.join(dir, name);
  const server = await startSocatServer({ to: `CREATE:${out}` });
  const started = performance.now();
  const client = runClient('socat', ['-b', SOCAT_BLOCK, '-u', `FILE:${source}`, `TCP:127.0.0.1:${server.port}`], { timeoutMs });
  const [result, serverCode] = await Promise.all([client, server.child.exited]);
  const ms = performance.now() - started;
  const serverCpuS = server.cpu.stop();
  expectExit(result, 'socat client');
  if (serverCode !== 0) throw new Error(`socat server exited with ${serverCode}:\n${server.child.recentStderr()}`);
  expectSize(out, size, 'socat upload');
  return { ms, clientCpuS: result.cpuS, serverCpuS };
}

/**
 * Watch a process's resident set size: read VmRSS now and every `everyMs` until `stop()`,
 * which returns { beforeKiB, peakKiB }.
 */
export function watchRss(pid, everyMs = 10) {
  const beforeKiB = rssKiB(pid);
  let peakKiB = beforeKiB;
  const sample = () => {
    try {
      peakKiB = Math.max(peakKiB, rssKiB(pid));
    } catch {
      // The process is gone: the run itself reports that.
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { beforeKiB, peakKiB };
    },
  };
}
