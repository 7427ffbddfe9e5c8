// The runtime contract against the real runtime: under Node in the unit project, and under Bun
// and Deno in the runtime:bun and runtime:deno projects (vitest itself running on each).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { getRuntime } from '../../src/runtime/index.ts';
import { describeRuntimeContract } from './contract/runtime-contract.ts';

it('runs on the runtime it claims', () => {
  expect(getRuntime().name).toBe(process.env.NETCHAT_CONTRACT_RUNTIME ?? 'node');
});

describeRuntimeContract(getRuntime().name, {
  makeRuntime: getRuntime,
  has: { handshakeTimeout: true, kernelUdpBuffers: true },
  files: {
    async directory() {
      const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-contract-')));
      onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
      return dir;
    },
    writeFile: (file, data) => fs.writeFile(file, data),
    readFile: async (file) => new Uint8Array(await fs.readFile(file)),
    symlink: (target, file) => fs.symlink(target, file),
    exists: (file) => fs.lstat(file).then(() => true, () => false),
  },
});
