// The runtime contract against the real runtime: under Node in the unit project, and under Bun
// and Deno in the runtime:bun and runtime:deno projects (vitest itself running on each).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DenoUdpSocket } from '../../src/runtime/deno-udp.ts';
import { getRuntime } from '../../src/runtime/index.ts';
import { NodeUdpSocket, bindUdp as bindNodeDgram } from '../../src/runtime/node-udp.ts';
import { describeRuntimeContract } from './contract/runtime-contract.ts';
import { describeUdpContract } from './contract/udp-contract.ts';

it('runs on the runtime it claims', () => {
  expect(getRuntime().name).toBe(process.env.NETCHAT_CONTRACT_RUNTIME ?? 'node');
});

describeRuntimeContract(getRuntime().name, {
  makeRuntime: getRuntime,
  has: { handshakeTimeout: true, kernelUdpBuffers: true, kernelUdp: true },
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

// Under Deno, UDP is Deno's own (deno-udp.ts) when the unstable `net` feature is on, as netchat's
// deno.json asks (vitest finds it too); without it, node:dgram, which must keep the contract as well.
describe.runIf(getRuntime().name === 'deno')('UDP under Deno', () => {
  it('is Deno.listenDatagram, deno.json having turned the unstable net feature on', async () => {
    const socket = await getRuntime().bindUdp({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => socket.close());
    expect(socket).toBeInstanceOf(DenoUdpSocket);
  });

  describe('node:dgram, as without --unstable-net', () => {
    it('is node:dgram', async () => {
      const socket = await bindNodeDgram({ host: '127.0.0.1', port: 0 });
      onTestFinished(() => socket.close());
      expect(socket).toBeInstanceOf(NodeUdpSocket);
    });
    describeUdpContract(() => ({ ...getRuntime(), bindUdp: bindNodeDgram }), { kernelUdpBuffers: true, kernelUdp: true });
  });
});
