import { describe, expect, it } from 'vitest';
import { OrderedLocalErrors } from '../../src/ui/ordered-local-errors.ts';

describe('OrderedLocalErrors', () => {
  const setup = (canSend = true) => {
    const printed: string[] = [];
    let barriers = 0;
    const order = new OrderedLocalErrors(() => (canSend ? (barriers++, true) : false));
    return { order, printed, barriers: () => barriers, report: (text: string) => order.report(() => printed.push(text)) };
  };

  it('prints at once when nothing was sent before', () => {
    const { report, printed, barriers } = setup();
    report('a');
    expect(printed).toEqual(['a']);
    expect(barriers()).toBe(0);
  });

  it('waits for the barrier after sent lines, one barrier for errors in a row', () => {
    const { order, report, printed, barriers } = setup();
    order.lineSent();
    report('a');
    report('b');
    expect(printed).toEqual([]);
    expect(barriers()).toBe(1);
    expect(order.answered()).toBe(true);
    expect(printed).toEqual(['a', 'b']);
    expect(order.answered()).toBe(false);
  });

  it('keeps barriers in order, and an error after a new line waits for its own', () => {
    const { order, report, printed, barriers } = setup();
    order.lineSent();
    report('a');
    order.lineSent();
    report('b');
    expect(barriers()).toBe(2);
    order.answered();
    expect(printed).toEqual(['a']);
    order.answered();
    expect(printed).toEqual(['a', 'b']);
  });

  it('prints what waits, then the new error, when no barrier can be sent', () => {
    const { order, report, printed } = setup(false);
    order.lineSent();
    report('a');
    expect(printed).toEqual(['a']);
  });

  it('flush prints everything still waiting', () => {
    const { order, report, printed } = setup();
    order.lineSent();
    report('a');
    order.lineSent();
    report('b');
    order.flush();
    expect(printed).toEqual(['a', 'b']);
  });
});
