import type { ArgsDef } from 'citty';
import { describe, expect, it } from 'vitest';
import { strictArgsProblem, takesPositionalList } from '../../src/commands/_strict-args.ts';

const args = {
  name: { type: 'positional', required: false, description: 'n' },
  port: { type: 'string', alias: ['p'], description: 'p' },
  timeout: { type: 'string', alias: ['W', 'w'], description: 't' },
  json: { type: 'boolean', alias: ['j'], description: 'j' },
  quiet: { type: 'boolean', alias: ['q'], description: 'q' },
  uploads: { type: 'boolean', default: true, description: 'u' },
} as const satisfies ArgsDef;
const command = { args };
const problem = (...raw: string[]) => strictArgsProblem(command, args, raw);

describe('strictArgsProblem', () => {
  it.each([
    [[]],
    [['bob']],
    [['bob', '--port', '1', '--json']],
    [['--port=1', '-p', '2', '-p3', '-W', '4', '-w5', '--timeout=6']],
    [['-jq', 'bob']],
    [['-qp', '7']],
    [['--no-uploads', '--no-json', '--uploads']],
    [['-']],
    [['--', '--not-an-option']],
    // A value may start with a dash: it is the option's, as node:util parseArgs reads it.
    [['--port', '-1']],
  ])('accepts %j', (raw) => {
    expect(problem(...raw)).toBeUndefined();
  });

  it.each([
    [['--jsn'], 'unknown option --jsn (did you mean --json?)'],
    [['--bogus'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['-jx'], 'unknown option -x in -jx'],
    [['--port'], '--port needs a value'],
    [['-p'], '-p needs a value'],
    [['-qp'], '-p needs a value'],
    [['--no-uploads=1'], '--no-uploads takes no value'],
    [['--no-port'], 'unknown option --no-port'],
    [['bob', 'extra'], 'unexpected argument "extra" (one too many)'],
    [['bob', '--', 'extra'], 'unexpected argument "extra" (one too many)'],
  ])('refuses %j: %s', (raw, message) => {
    expect(problem(...raw)).toBe(message);
  });

  it('says a command without positionals takes options only, and what was probably meant', () => {
    const serve = { args: { port: args.port, host: { type: 'string', description: 'h' } } } as const;
    expect(strictArgsProblem(serve, serve.args, ['127.0.0.1'])).toBe(
      'unexpected argument "127.0.0.1": this command takes options only (did you mean --host 127.0.0.1?)',
    );
    expect(strictArgsProblem(serve, serve.args, ['12003'])).toBe('unexpected argument "12003": this command takes options only (did you mean --port 12003?)');
    const bare = { args: { json: args.json } };
    expect(strictArgsProblem(bare, bare.args, ['x'])).toBe('unexpected argument "x": this command takes options only');
  });

  it('leaves the count of positionals to a command that takes a list, but not its options', () => {
    const list = takesPositionalList({ args: { json: args.json } });
    expect(strictArgsProblem(list, list.args, ['a', 'b', 'c', 'host'])).toBeUndefined();
    expect(strictArgsProblem(list, list.args, ['a', '--jsn'])).toMatch(/^unknown option --jsn/);
  });
});
