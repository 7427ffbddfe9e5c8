// The help page: with colour on (a terminal), the columns still line up once the codes are
// invisible, which citty's own page got wrong; defaults are written one way.
import { stripVTControlCharacters } from 'node:util';
import type { CommandDef } from 'citty';
import { describe, expect, it } from 'vitest';
import { COLOUR_STYLE, describe as describeArg, PLAIN_STYLE, renderUsage } from '../../src/commands/_usage.ts';

const command: CommandDef = {
  meta: { name: 'serve', description: 'Run it' },
  args: {
    port: { type: 'string', alias: ['p'], description: 'Port', default: '12000', valueHint: 'port' },
    'a-very-long-option-name': { type: 'string', description: 'Long (default 5)', valueHint: 'n' },
    uploads: { type: 'boolean', description: 'Accept uploads', default: true },
    quiet: { type: 'boolean', alias: ['q'], description: 'Quiet', default: false },
  },
};

/** The column where each option row's text starts. */
function textColumns(page: string): number[] {
  const options = page.slice(page.indexOf('OPTIONS'));
  return options
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => {
      const gap = /\S( {2,})\S/.exec(line)!;
      return gap.index + 1 + gap[1]!.length;
    });
}

describe('renderUsage', () => {
  it('lines up the columns with colour codes in them', async () => {
    const coloured = await renderUsage(command, undefined, COLOUR_STYLE);
    expect(coloured).toContain('\x1b[');
    const visible = stripVTControlCharacters(coloured);
    expect(new Set(textColumns(visible)).size).toBe(1);
    expect(visible).toBe(await renderUsage(command, undefined, PLAIN_STYLE));
  });

  it('puts the short letter first and leaves room for it in rows without one', async () => {
    const page = await renderUsage(command);
    expect(page).toMatch(/^ {2}-p, --port <port> +Port \(default 12000\)$/m);
    expect(page).toMatch(/^ {6}--a-very-long-option-name <n> +Long \(default 5\)$/m);
    expect(page).toMatch(/^ {6}--no-uploads +Turn --uploads off$/m);
    expect(page).toMatch(/^ {2}-h, --help +Show this help$/m);
  });

  it('writes each default once, as (default …), and none for a flag that is off', () => {
    expect(describeArg({ type: 'string', description: 'Port', default: '1' })).toBe('Port (default 1)');
    expect(describeArg({ type: 'string', description: 'Port (default 1)', default: '1' })).toBe('Port (default 1)');
    expect(describeArg({ type: 'boolean', description: 'On', default: true })).toBe('On (default on)');
    expect(describeArg({ type: 'boolean', description: 'Off', default: false })).toBe('Off');
  });
});
