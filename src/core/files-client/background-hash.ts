// The SHA-256 a transfer computes as its bytes pass: on the runtime's worker when it has one
// (runtime/node-hash-worker.ts), else inline through the runtime's plain hash.
import type { BackgroundSha256, Runtime } from '../../runtime/types.ts';

export function transferHash(runtime: Pick<Runtime, 'sha256' | 'backgroundSha256'>, expectedBytes: number | undefined): BackgroundSha256 {
  if (runtime.backgroundSha256) return runtime.backgroundSha256(expectedBytes);
  const hash = runtime.sha256();
  return {
    update: (data) => void hash.update(data),
    digestHex: () => Promise.resolve(hash.digestHex()),
    close: () => {},
  };
}
