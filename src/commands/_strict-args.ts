// citty reads what it knows and lets the rest through: `serve -p 12003` listened on 12000,
// `join bob --jsn` ran in plain mode, `echo host -c 2` took 2 for the port. Every command's raw
// arguments are checked here against its own definition before citty sees them, so an unknown
// option or one argument too many is a usage error that names it, for every command at once.
import type { ArgsDef, CommandDef } from 'citty';
import { nearestWord } from '../core/shared/nearest-word.ts';

type ArgDef = ArgsDef[string];

/** Commands whose positionals are a list (`send-file <path>... <host>`), checked by the command. */
const LIST_POSITIONALS = new WeakSet<object>();

/** Mark a command whose positionals are a list of any length; it checks them itself. */
export function takesPositionalList<Command extends object>(command: Command): Command {
  LIST_POSITIONALS.add(command);
  return command;
}

interface OptionInfo {
  /** The option's name as defined (the long form). */
  name: string;
  takesValue: boolean;
}

function aliasesOf(def: ArgDef): string[] {
  const alias = (def as { alias?: string | string[] }).alias;
  return alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
}

/** Every spelling an option may be typed in (`port`, `p`, `no-uploads`) → what it is. */
function optionTable(args: ArgsDef): Map<string, OptionInfo> {
  const table = new Map<string, OptionInfo>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    const info = { name, takesValue: def.type !== 'boolean' };
    for (const spelling of [name, ...aliasesOf(def)]) table.set(spelling, info);
    if (def.type === 'boolean') {
      for (const spelling of [name, ...aliasesOf(def)]) if (spelling.length > 1) table.set(`no-${spelling}`, { name, takesValue: false });
    }
  }
  return table;
}

/** The long option nearest to a mistyped one, if one is near enough to suggest. */
function nearestOption(typed: string, table: Map<string, OptionInfo>): string | undefined {
  return nearest(typed, table.keys());
}

/** The word among `candidates` nearest to a mistyped one (a command, an option), if near enough to suggest. */
export function nearest(typed: string, candidates: Iterable<string>): string | undefined {
  return nearestWord(typed, candidates, typed.length <= 4 ? 1 : 2);
}

const unknown = (typed: string, table: Map<string, OptionInfo>) => {
  const guess = typed.startsWith('--') ? nearestOption(typed.slice(2), table) : undefined;
  return `unknown option ${typed}${guess ? ` (did you mean --${guess}?)` : ''}`;
};

/**
 * What is wrong with `rawArgs` (the arguments after the command's name) for a command with
 * these `args`, in one short phrase naming it; undefined when nothing is. Accepted:
 * `--name value`, `--name=value`, `--flag`, `--no-flag`, `-x value`, `-xvalue`, `-xy` (letters
 * of flags), `-` (a positional: stdin), and after `--` only positionals.
 */
export function strictArgsProblem(command: CommandDef<any>, args: ArgsDef, rawArgs: readonly string[]): string | undefined {
  const table = optionTable(args);
  const positionals: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') {
      positionals.push(...rawArgs.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const [spelling, value] = splitOnce(arg.slice(2), '=');
      const option = table.get(spelling);
      if (!option) return unknown(`--${spelling}`, table);
      if (option.takesValue && value === undefined) {
        if (i + 1 >= rawArgs.length) return `--${spelling} needs a value`;
        i++;
      }
      if (!option.takesValue && value !== undefined && spelling.startsWith('no-')) return `--${spelling} takes no value`;
      continue;
    }
    // One dash: one letter, or letters of flags, or a letter and its value run together.
    const letters = arg.slice(1);
    for (let at = 0; at < letters.length; at++) {
      const option = table.get(letters[at]!);
      if (!option || letters[at] === '-') return `unknown option -${letters[at]}${letters.length > 1 ? ` in ${arg}` : ''}`;
      if (!option.takesValue) continue;
      if (at === letters.length - 1) {
        if (i + 1 >= rawArgs.length) return `-${letters[at]} needs a value`;
        i++;
      }
      break;
    }
  }
  if (LIST_POSITIONALS.has(command)) return undefined;
  const defined = Object.values(args).filter((def) => def.type === 'positional').length;
  if (positionals.length > defined) {
    const extra = positionals[defined]!;
    if (defined > 0) return `unexpected argument "${extra}" (one too many)`;
    // `serve 127.0.0.1`, `serve 12003`: what was probably meant, when the command has it.
    const meant = /^\d+$/.test(extra) ? 'port' : 'host';
    const hint = table.get(meant)?.name === meant ? ` (did you mean --${meant} ${extra}?)` : '';
    return `unexpected argument "${extra}": this command takes options only${hint}`;
  }
  return undefined;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
