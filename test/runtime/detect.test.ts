import { describe, expect, it } from 'vitest';
import { detectRuntime } from '../../src/runtime/detect.ts';

describe('detectRuntime', () => {
  it('names Bun and Deno by their globals before looking at process, which both also define', () => {
    expect(detectRuntime({ Bun: { version: '1.4.5' } })).toBe('bun');
    expect(detectRuntime({ Deno: { version: { deno: '2.9.6' } } })).toBe('deno');
    expect(detectRuntime({})).toBe('node');
  });

  it('looks at the real globals by default (the unit project runs on Node)', () => {
    expect(detectRuntime()).toBe('node');
  });
});
