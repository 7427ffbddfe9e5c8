import type { RuntimeName } from './types.ts';

interface RuntimeGlobals {
  Bun?: unknown;
  Deno?: unknown;
}

/** Which JavaScript runtime is executing us. Bun and Deno both also define `process`, so test them first. */
export function detectRuntime(globals: RuntimeGlobals = globalThis as RuntimeGlobals): RuntimeName {
  if (globals.Bun) return 'bun';
  if (globals.Deno) return 'deno';
  return 'node';
}
