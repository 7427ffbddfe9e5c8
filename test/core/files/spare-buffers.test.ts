import { describe, expect, it } from 'vitest';
import { SpareBuffers } from '../../../src/core/files/spare-buffers.ts';

describe('SpareBuffers', () => {
  it('gives a written chunk back only after the next drain', () => {
    const spares = new SpareBuffers(4);
    const chunk = new Uint8Array(4);
    spares.written(chunk);
    expect(spares.take()).toBeUndefined();
    spares.drained();
    expect(spares.take()).toBe(chunk);
    expect(spares.take()).toBeUndefined();
  });

  it('keeps no short chunk', () => {
    const spares = new SpareBuffers(4);
    spares.written(new Uint8Array(3));
    spares.drained();
    expect(spares.take()).toBeUndefined();
  });

  it('remembers at most four chunks while the connection holds them, and keeps at most four', () => {
    const spares = new SpareBuffers(1);
    const chunks = Array.from({ length: 6 }, () => new Uint8Array(1));
    for (const chunk of chunks) spares.written(chunk);
    spares.drained();
    const back = [spares.take(), spares.take(), spares.take(), spares.take(), spares.take()];
    // The last four written, each once (the first two were forgotten).
    for (const chunk of back.slice(0, 4)) expect(chunks.slice(2)).toContain(chunk);
    expect(new Set(back.slice(0, 4)).size).toBe(4);
    expect(back[4]).toBeUndefined();
  });
});
