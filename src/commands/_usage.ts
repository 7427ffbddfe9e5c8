// The help page of a command. citty's own pads its columns with the colour codes counted as
// text (on a terminal the descriptions zigzag), right-aligns the options, and shows defaults
// two ways (`(Default: 0.0.0.0)` beside our `(default 12000)`). Here the columns are padded
// before colour is added, options are left-aligned with their short letter first, as in ping
// and nc, and every default is written `(default …)`.
import type { ArgsDef, CommandDef } from 'citty';

type ArgDef = ArgsDef[string];
type Style = (text: string) => string;

export interface UsageStyle {
  heading: Style;
  name: Style;
  dim: Style;
}

const plain: Style = (text) => text;
export const PLAIN_STYLE: UsageStyle = { heading: plain, name: plain, dim: plain };
export const COLOUR_STYLE: UsageStyle = {
  heading: (text) => `\x1b[1m\x1b[4m${text}\x1b[24m\x1b[22m`,
  name: (text) => `\x1b[36m${text}\x1b[39m`,
  dim: (text) => `\x1b[90m${text}\x1b[39m`,
};

const resolve = async <T>(value: T | (() => T | Promise<T>) | Promise<T>): Promise<T> =>
  typeof value === 'function' ? (value as () => T | Promise<T>)() : value;

function aliasesOf(def: ArgDef): string[] {
  const alias = (def as { alias?: string | string[] }).alias;
  return alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
}

/** The description with its default, written one way: `(default 12000)`, `(default on)`. */
export function describe(def: ArgDef): string {
  const text = def.description ?? '';
  if (def.default === undefined || def.default === false || /\(default\b/.test(text)) return text;
  const shown = def.default === true ? 'on' : String(def.default);
  return `${text} (default ${shown})`;
}

/** Rows of two columns, the first padded to the widest, colour added after the padding. */
function columns(rows: Array<[string, string]>, style: Style): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${style(left.padEnd(width))}  ${right}`.trimEnd());
}

function optionRows(args: ArgsDef): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const options = Object.entries(args).filter(([, def]) => def.type !== 'positional');
  const anyShort = options.some(([, def]) => aliasesOf(def).some((alias) => alias.length === 1));
  for (const [name, def] of options) {
    const short = aliasesOf(def).filter((alias) => alias.length === 1);
    const hint = def.type === 'boolean' ? '' : ` <${(def as { valueHint?: string }).valueHint ?? 'value'}>`;
    const prefix = short.length > 0 ? `${short.map((letter) => `-${letter}`).join(', ')}, ` : anyShort ? '    ' : '';
    rows.push([`${prefix}--${name}${hint}`, describe(def)]);
    if (def.type === 'boolean' && def.default === true) rows.push([`${anyShort ? '    ' : ''}--no-${name}`, `Turn --${name} off`]);
  }
  rows.push([`${anyShort ? '-h, ' : ''}--help`, 'Show this help']);
  return rows;
}

/** The help page of `command` (a subcommand of `parent`, if given). */
export async function renderUsage(command: CommandDef<any>, parent?: CommandDef<any>, style: UsageStyle = PLAIN_STYLE): Promise<string> {
  const meta = (await resolve(command.meta)) ?? {};
  const parentMeta = parent ? ((await resolve(parent.meta)) ?? {}) : {};
  const args = ((await resolve(command.args)) ?? {}) as ArgsDef;
  const fullName = [parentMeta.name, meta.name].filter(Boolean).join(' ');
  const version = meta.version ?? parentMeta.version;
  const positionals = Object.entries(args).filter(([, def]) => def.type === 'positional');
  const subCommands = (await resolve(command.subCommands)) as Record<string, unknown> | undefined;

  const usage = [fullName];
  if (Object.keys(args).length > 0) usage.push('[OPTIONS]');
  for (const [name, def] of positionals) usage.push(def.required === false ? `[${name.toUpperCase()}]` : `<${name.toUpperCase()}>`);
  if (subCommands) usage.push('<COMMAND>');

  const lines = [style.dim(`${meta.description ?? ''} (${fullName}${version ? ` v${version}` : ''})`), '', `${style.heading('USAGE')} ${usage.join(' ')}`, ''];
  if (positionals.length > 0) {
    lines.push(style.heading('ARGUMENTS'), '');
    lines.push(...columns(positionals.map(([name, def]) => [name.toUpperCase(), describe(def)]), style.name), '');
  }
  if (!subCommands) {
    lines.push(style.heading('OPTIONS'), '');
    lines.push(...columns(optionRows(args), style.name), '');
  }
  if (subCommands) {
    const rows: Array<[string, string]> = [];
    for (const [name, load] of Object.entries(subCommands)) {
      const sub = (await resolve(load as CommandDef<any>)) as CommandDef<any>;
      rows.push([name, ((await resolve(sub.meta)) ?? {}).description ?? '']);
    }
    lines.push(style.heading('COMMANDS'), '', ...columns(rows, style.name), '');
    lines.push(`Use ${style.name(`${fullName} <command> --help`)} for more about a command. ${style.name('--version')} prints the version.`);
  }
  return lines.join('\n').trimEnd();
}
