import { describe, expect, it } from 'vitest';
import { ClientPacer } from '../../../src/core/chat-client/client-pacer.ts';

function pacer(burst: number, linesPerSecond: number) {
  const clock = { time: 0 };
  const p = new ClientPacer({ burst, linesPerSecond }, () => clock.time);
  return { p, clock };
}

function takeAll(p: ClientPacer, max = 10_000): number {
  let taken = 0;
  while (taken < max && p.tryTake()) taken++;
  return taken;
}

describe('ClientPacer', () => {
  it('allows one line less than the server burst at once, not one more', () => {
    const { p } = pacer(10, 5);
    for (let i = 0; i < 9; i++) expect(p.tryTake()).toBe(true);
    expect(p.tryTake()).toBe(false);
  });

  it('refills at 90 % of the server rate: the next token exactly when due, not 1 ms before', () => {
    const { p, clock } = pacer(10, 5);
    takeAll(p);
    const wait = p.delay();
    expect(wait).toBe(Math.ceil(1000 / 4.5));
    clock.time += wait - 1;
    expect(p.tryTake()).toBe(false);
    clock.time += 1;
    expect(p.tryTake()).toBe(true);
    expect(p.tryTake()).toBe(false);
  });

  it('never sends faster than the server rate over a long run', () => {
    const { p, clock } = pacer(10, 5);
    let sent = 0;
    for (let ms = 0; ms <= 60_000; ms += 7) {
      clock.time = ms;
      sent += takeAll(p);
    }
    // The server would accept 10 + 5 × 60 lines in 60 s; we stay under it.
    expect(sent).toBeLessThanOrEqual(10 + 5 * 60);
    // Sampling every 7 ms loses a little of each refill.
    expect(sent).toBeGreaterThanOrEqual(9 + Math.floor(4.5 * 60) - 3);
  });

  it('keeps at least one line of burst when the server allows exactly one', () => {
    const { p } = pacer(1, 5);
    expect(p.tryTake()).toBe(true);
    expect(p.tryTake()).toBe(false);
  });

  it('has no limit when the server has no flood control (burst 0)', () => {
    const { p } = pacer(0, 0);
    expect(takeAll(p, 5000)).toBe(5000);
    expect(p.delay()).toBe(0);
  });

  it('keeps what was spent when the real limits arrive', () => {
    const { p } = pacer(10, 5);
    expect(p.tryTake()).toBe(true);
    expect(p.tryTake()).toBe(true);
    p.configure({ burst: 3, linesPerSecond: 10 });
    // Capacity 2, both spent already.
    expect(p.tryTake()).toBe(false);
    expect(p.delay()).toBe(Math.ceil(1000 / 9));
  });

  it('charges a reply that cannot wait, so the lines after it wait longer', () => {
    const { p } = pacer(3, 10);
    takeAll(p);
    const before = p.delay();
    p.charge();
    expect(p.delay()).toBeGreaterThan(before);
  });

  it('turns off when reconfigured with burst 0, and back on', () => {
    const { p } = pacer(2, 1);
    takeAll(p);
    p.configure({ burst: 0, linesPerSecond: 0 });
    expect(takeAll(p, 100)).toBe(100);
    p.configure({ burst: 2, linesPerSecond: 1 });
    expect(p.tryTake()).toBe(false);
  });
});
