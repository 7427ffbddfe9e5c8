// Pasted lines: a few go at once, more wait for a yes; typing goes line by line.
import { describe, expect, it } from 'vitest';
import { PastedLines } from '../../src/ui/pasted-lines.ts';

function setup(inputLine = { text: '' }) {
  const queue: Array<() => void> = [];
  const sent: string[] = [];
  const asked: number[] = [];
  const answers: Array<[boolean, number]> = [];
  const pasted = new PastedLines({
    send: (line) => sent.push(line),
    ask: (count) => asked.push(count),
    answered: (yes, count) => answers.push([yes, count]),
    defer: (callback) => queue.push(callback),
    unfinished: () => {
      const text = inputLine.text;
      inputLine.text = '';
      return text;
    },
  });
  /** The end of one read of the terminal. */
  const read = (...lines: string[]) => {
    for (const line of lines) pasted.line(line);
    for (const callback of queue.splice(0)) callback();
  };
  return { pasted, sent, asked, answers, read };
}

describe('PastedLines', () => {
  it('sends typed lines one by one, and a paste of 3 lines at once', () => {
    const t = setup();
    t.read('one');
    t.read('two');
    t.read('a', 'b', 'c');
    expect(t.sent).toEqual(['one', 'two', 'a', 'b', 'c']);
    expect(t.asked).toEqual([]);
  });

  it('asks before sending a paste of 4 lines, and sends them on yes', () => {
    const t = setup();
    t.read('1', '2', '3', '4');
    expect(t.sent).toEqual([]);
    expect(t.asked).toEqual([4]);
    expect(t.pasted.waiting).toBe(true);
    t.read('y');
    expect(t.answers).toEqual([[true, 4]]);
    expect(t.sent).toEqual(['1', '2', '3', '4']);
    expect(t.pasted.waiting).toBe(false);
  });

  it('drops the paste on any other answer, and counts a paste that came in several reads', () => {
    const t = setup();
    t.read('1', '2', '3', '4');
    t.read('5', '6');
    expect(t.asked).toEqual([4, 6]);
    t.read('no');
    expect(t.answers).toEqual([[false, 6]]);
    expect(t.sent).toEqual([]);
    t.read('after');
    expect(t.sent).toEqual(['after']);
  });

  it('takes a paste’s last line that had no newline into the paste, off the input line, so the answer stands alone', () => {
    const inputLine = { text: '' };
    const t = setup(inputLine);
    // One read: four lines, and a fifth left on the input line for want of a newline.
    for (const line of ['1', '2', '3', '4']) t.pasted.line(line);
    inputLine.text = '5';
    t.read();
    expect(t.asked).toEqual([5]);
    expect(inputLine.text).toBe('');
    t.read('y');
    expect(t.sent).toEqual(['1', '2', '3', '4', '5']);
  });

  it('leaves the input line alone for a short paste', () => {
    const inputLine = { text: 'typing' };
    const t = setup(inputLine);
    t.read('a', 'b');
    expect(t.sent).toEqual(['a', 'b']);
    expect(inputLine.text).toBe('typing');
  });
});
