import { createHash, type Hash } from 'node:crypto';
import type { Sha256 } from './types.ts';

/** node:crypto's SHA-256 (identical on Node, Bun and Deno) behind the Sha256 interface. */
export class NodeSha256 implements Sha256 {
  private readonly hash: Hash = createHash('sha256');

  update(data: Uint8Array | string): this {
    this.hash.update(data);
    return this;
  }

  digestHex(): string {
    return this.hash.digest('hex');
  }
}

export const createSha256 = (): Sha256 => new NodeSha256();
