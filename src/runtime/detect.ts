import type { RuntimeName } from './types.ts';

interface RuntimeGlobals {
  Bun?: { version: string };
  Deno?: { version: { deno: string } };
  process?: { versions?: { node?: string } };
}

/** Which JavaScript runtime is executing us, and its version. */
export function detectRuntime(globals: RuntimeGlobals = globalThis as RuntimeGlobals): {
  name: RuntimeName;
  version: string;
} {
  if (globals.Bun) return { name: 'bun', version: globals.Bun.version };
  if (globals.Deno) return { name: 'deno', version: globals.Deno.version.deno };
  return { name: 'node', version: globals.process?.versions?.node ?? 'unknown' };
}
