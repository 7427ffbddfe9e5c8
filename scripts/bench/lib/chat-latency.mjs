// The benchmark's side of chat-latency-load.mjs: start it against a server, name the phase the
// next messages belong to, and collect p50/p99 per phase at the end.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onJsonLines, spawnRaised, stopChild } from './processes.mjs';

const LOAD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat-latency-load.mjs');

/** Resolves once every chat client is in the room and sending. */
export async function startChatLatency(port, { clients, rate }) {
  const child = spawnRaised(process.execPath, [LOAD_SCRIPT, JSON.stringify({ port, clients, rate })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages = [];
  let wake;
  onJsonLines(child, (message) => {
    messages.push(message);
    wake?.();
  });
  async function next(type, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = messages.findIndex((m) => m.event === type || m.event === 'error');
      if (index !== -1) {
        const [message] = messages.splice(index, 1);
        if (message.event === 'error') throw new Error(`chat latency load: ${message.message}`);
        return message;
      }
      if (child.exitCode !== null) throw new Error(`chat latency load exited (${child.exitCode}):\n${child.recentStderr()}`);
      if (Date.now() > deadline) throw new Error(`chat latency load: no ${type} in ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  await next('ready', 30_000);
  return {
    /** Messages sent from now on count toward `name`. */
    phase(name) {
      child.stdin.write(`${JSON.stringify({ phase: name })}\n`);
    },
    /** Stop sending; resolves with { phases: { name: { samples, p50Ms, p99Ms, maxMs, missing } }, disconnected }. */
    async report() {
      child.stdin.write(`${JSON.stringify({ report: true })}\n`);
      const result = await next('result', 30_000);
      await stopChild(child);
      return result;
    },
    stop: () => stopChild(child),
  };
}
