// The TCP listener and the descriptor checks at the file-descriptor limit. In process for what
// needs no lowered limit; under Bun and Deno, a fixture started with `prlimit --nofile=64` for
// the listener's pause and resume (Node runs it through the e2e suite, from dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descriptorLimit } from '../../src/runtime/descriptors.ts';
import { ROOT } from '../helpers/cli.ts';

const linux = process.platform === 'linux';
const softLimit = () => execFileSync('bash', ['-c', 'ulimit -Sn'], { encoding: 'utf8' }).trim();

describe.skipIf(!linux)('descriptors', () => {
  it('reads the soft limit this process has (the one ulimit -Sn shows a child)', () => {
    const shell = softLimit();
    expect(descriptorLimit()).toBe(shell === 'unlimited' ? undefined : Number(shell));
  });
});

describe.skipIf(!linux)('listenTcp out of descriptors', () => {
  for (const runtime of ['bun', 'deno'] as const) {
    it(`pauses once, refuses meanwhile, listens again on the same port when descriptors free up, under ${runtime}`, () => {
      const binary = path.join(ROOT, 'node_modules/.bin', runtime);
      const script = path.join(ROOT, 'test/runtime/fixtures/listen-out-of-descriptors.ts');
      const command = runtime === 'bun' ? [binary, script] : [binary, 'run', '-A', '--quiet', script];
      const run = spawnSync('prlimit', ['--nofile=64:64', '--', ...command], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', RUST_BACKTRACE: '1' },
      });
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout);
      // The pause comes from a probe that found no descriptor free (EMFILE).
      expect(result).toMatchObject({ limit: 64, probes: [true], events: ['paused EMFILE', 'resumed'], whilePaused: 'ECONNREFUSED', afterResume: 'connected' });
      // Each connection to itself costs two descriptors: far fewer than 32 fit.
      expect(result.acceptedWhenPaused).toBeGreaterThan(0);
      expect(result.acceptedWhenPaused).toBeLessThan(32);
    });
  }
});
