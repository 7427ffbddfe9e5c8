// Child processes for benchmarks: servers and load generators run with the fd limit raised,
// are all killed when the benchmark exits (normally, by error or by Ctrl-C), and are measured
// through /proc (Linux only).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const children = new Set();
const tempDirs = new Set();
let cleanupInstalled = false;

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** A new temporary directory, removed when the benchmark exits however it exits. */
export function makeTempDir(prefix) {
  installCleanup();
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Remove a directory from makeTempDir now. */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * Start `command args` with the soft fd limit raised to the hard one (thousands of sockets
 * need it). `exec` keeps the pid the program's own, so /proc/<pid> measures the program.
 */
export function spawnRaised(command, args, options = {}) {
  installCleanup();
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const child = spawn('sh', ['-c', script, 'sh', command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text) => {
    stderr = (stderr + text).slice(-8192);
  });
  child.recentStderr = () => stderr;
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return child;
}

/** Resolves with the first match of `pattern` in the child's stdout+stderr, or rejects on exit/timeout. */
export function waitForOutput(child, pattern, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) finish(() => resolve(match));
    };
    const onExit = (code) =>
      finish(() => reject(new Error(`${what} exited (${code}) before ready:\n${child.recentStderr?.() ?? seen}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${seen.slice(-2000)}`))),
      timeoutMs,
    );
    function finish(settle) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      settle();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Call `onMessage` with each JSON line the child writes to stdout (load processes report so). */
export function onJsonLines(child, onMessage) {
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    buffered += text;
    let newline;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) onMessage(JSON.parse(line));
    }
  });
}

/**
 * The JSON-line reports of a load process, taken one by one in the order asked:
 * `const next = jsonEvents(child, 60_000); await next('ready')`. A report `{event: 'error'}`,
 * the child's exit, or no such report within `timeoutMs` rejects. Also `next.send(object)`
 * writes a JSON line to the child's stdin (spawn it with stdin piped).
 */
export function jsonEvents(child, timeoutMs) {
  const received = [];
  let check;
  onJsonLines(child, (message) => {
    received.push(message);
    check?.();
  });
  // 'close', not 'exit': a child may exit before its last lines (a large result) have been read.
  let closed = false;
  child.on('close', () => {
    closed = true;
    check?.();
  });
  const next = (wanted) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(reject, new Error(`no '${wanted}' report after ${timeoutMs} ms`)), timeoutMs);
      function settle(how, value) {
        clearTimeout(timer);
        check = undefined;
        how(value);
      }
      check = () => {
        const index = received.findIndex((m) => m.event === wanted || m.event === 'error');
        if (index !== -1) {
          const [message] = received.splice(index, 1);
          if (message.event === 'error') settle(reject, new Error(message.message));
          else settle(resolve, message);
        } else if (closed) {
          settle(reject, new Error(`load process exited (${child.exitCode ?? child.signalCode}):\n${child.recentStderr()}`));
        }
      };
      check();
    });
  next.send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
  return next;
}

/** Stop a child and wait for it; SIGKILL if it ignores SIGTERM for `graceMs`. */
export async function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot bind port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in KiB (VmRSS). */
export function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const TICKS_PER_SECOND = 100; // USER_HZ; Linux exports 100 on every common architecture.

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may contain spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * Scheduler figures for a process's main thread, in seconds: time on a CPU, and time runnable
 * but waiting for one. Waiting time shows how much other work on the machine held it back.
 */
export function schedSeconds(pid) {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { run: run / 1e9, wait: wait / 1e9 };
}
