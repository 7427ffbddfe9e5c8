import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { detectRuntime } from './src/runtime/detect.ts';

// The end-to-end suite runs once per way of running netchat. The project name is in every
// line vitest prints about a test, so a failure names its runtime.
const E2E = 'test/e2e/**/*.test.ts';
// Only meaningful for one runtime each: packing tests what npm ships (Node from dist/);
// binary tests check the compiled executable itself.
const PACK = 'test/e2e/pack*.test.ts';
const BINARY = 'test/e2e/binary*.test.ts';

function e2e(runtime: 'node' | 'bun' | 'deno' | 'binary'): TestProjectInlineConfiguration {
  const only = { node: [PACK], binary: [BINARY] }[runtime as string] ?? [];
  return {
    test: {
      name: `e2e:${runtime}`,
      include: [E2E],
      exclude: [PACK, BINARY].filter((pattern) => !only.includes(pattern)),
      env: { NETCHAT_CLI: runtime },
      testTimeout: 30000,
      hookTimeout: 60000,
    },
  };
}

// The runtime contract under Bun and Deno: vitest itself runs on them (`npm run test:contract:bun`,
// `npm run test:contract:deno`), so this project exists only there; under Node the unit project
// runs it.
const RUNTIME_CONTRACT = 'test/runtime/runtime.contract.test.ts';
const runtime = detectRuntime();

// CI asks for a machine-readable report too (.ci/run counts passed and failed tests from it). A
// run under Bun or Deno writes beside it (`report.bun.json`), and .ci/run adds them up.
const jsonReport = process.env.NETCHAT_TEST_REPORT?.replace(/(\.json)?$/, runtime === 'node' ? '$1' : `.${runtime}$1`);

export default defineConfig({
  test: {
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/{protocol,core,runtime,ui,commands,layout}/**/*.test.ts'],
          // Net tests share two cores with the e2e projects running beside them.
          testTimeout: 15000,
        },
      },
      e2e('node'),
      e2e('bun'),
      e2e('deno'),
      e2e('binary'),
      ...(runtime === 'node'
        ? []
        : [{ test: { name: `runtime:${runtime}`, include: [RUNTIME_CONTRACT], env: { NETCHAT_CONTRACT_RUNTIME: runtime } } }]),
    ],
  },
});
