// The runtime contract against the test fakes (test/helpers/fake-runtime.ts): the core tests'
// stand-ins for sockets and disk behave as the real runtime does, or this fails.
import { beforeEach } from 'vitest';
import { createFakeRuntime, type FakeRuntime } from '../helpers/fake-runtime.ts';
import { describeRuntimeContract } from './contract/runtime-contract.ts';

// One fake world per test, shared by the runtime the test uses and the file fixture.
let world: FakeRuntime = createFakeRuntime();
let directories = 0;
beforeEach(() => {
  world = createFakeRuntime();
});

describeRuntimeContract('fakes', {
  makeRuntime: () => world.runtime,
  has: { handshakeTimeout: true },
  files: {
    async directory() {
      const dir = `/tmp/contract-${++directories}`;
      await world.files.makeDirectory(dir, { recursive: true });
      return dir;
    },
    writeFile: async (file, data) => world.files.writeFile(file, data),
    readFile: async (file) => world.files.readFile(file),
    symlink: async (target, file) => world.files.symlink(target, file),
    exists: async (file) => world.files.lstat(file).then(() => true, () => false),
  },
});
