// The benchmark's side of chat-latency-load.mjs: start it against a server, name the phase the
// next messages belong to, collect every latency at the end, and summarize phases. A phase named
// `idle#2` is round 2 of `idle`: summaries pool the rounds of a name, or compare them round by round.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonEvents, spawnRaised, stopChild } from './processes.mjs';
import { median, percentile } from './stats.mjs';

const LOAD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat-latency-load.mjs');

/** Resolves once every chat client is in the room and sending. */
export async function startChatLatency(port, { clients, rate }) {
  const child = spawnRaised(process.execPath, [LOAD_SCRIPT, JSON.stringify({ port, clients, rate })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const next = jsonEvents(child, 30_000);
  await next('ready');
  return {
    /** Messages sent from now on count toward `name`. */
    phase(name) {
      next.send({ phase: name });
    },
    /** Stop sending; resolves with { phases: { name: { sent, missing, latenciesMs } }, disconnected }. */
    async report() {
      next.send({ report: true });
      const result = await next('result');
      await stopChild(child);
      return result;
    },
    stop: () => stopChild(child),
  };
}

const roundsOf = (result, name) => Object.entries(result?.phases ?? {}).filter(([phase]) => phase.split('#')[0] === name);

/** Every round of phase `name` pooled: { samples, p50Ms, p99Ms, maxMs, missing }, or undefined when there is none. */
export function pooledLatency(result, name) {
  const rounds = roundsOf(result, name);
  if (rounds.length === 0) return undefined;
  const latencies = rounds.flatMap(([, phase]) => phase.latenciesMs);
  return {
    samples: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    missing: rounds.reduce((sum, [, phase]) => sum + phase.missing, 0),
  };
}

/** p99 of `name` over p99 of `reference`, round by round: { min, median, max }. */
export function p99RatioByRound(result, name, reference = 'idle') {
  const p99 = (phase) => percentile(result.phases[phase]?.latenciesMs ?? [], 99);
  const ratios = roundsOf(result, name)
    .map(([phase]) => p99(phase) / p99(`${reference}#${phase.split('#')[1]}`))
    .filter(Number.isFinite);
  return ratios.length ? { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) } : undefined;
}
