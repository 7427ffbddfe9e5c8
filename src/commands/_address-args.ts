// Where to listen or connect, as typed: a host alone, `host:port`, `[v6]:port`, or a bare IPv6
// address, with the port given apart as well (a flag or a positional). One port may be given
// one way; two different ones are a usage error rather than a silent choice.
import { parseHostPort } from '../core/shared/host-port.ts';
import { parsePort, UsageError } from './_shared.ts';

/**
 * `text` as a host and maybe a port, refused when it cannot be one: `host:` with no number,
 * `host:http`, an empty host. `what` names the argument in the refusal (`HOST`, `--host`).
 */
export function splitHostPort(text: string, what: string, allowZero: boolean): { host: string; port?: number } {
  const trimmed = text.trim();
  const colons = trimmed.split(':').length - 1;
  const bracketed = trimmed.startsWith('[');
  if (bracketed && !/^\[[^\]]+\](:\d+)?$/.test(trimmed)) {
    throw new UsageError(`${what} "${trimmed}" is not an address: write [IPv6] or [IPv6]:PORT`);
  }
  if (!bracketed && colons === 1) {
    const [host, port] = trimmed.split(':') as [string, string];
    if (host === '') throw new UsageError(`${what} "${trimmed}" has no host before ":"`);
    if (!/^\d+$/.test(port)) throw new UsageError(`${what} "${trimmed}": the port after ":" must be a number`);
  }
  if (trimmed === '') throw new UsageError(`${what} is empty`);
  const parsed = parseHostPort(trimmed);
  if (parsed.port === undefined) return { host: parsed.host };
  return { host: parsed.host, port: parsePort(trimmed.slice(trimmed.lastIndexOf(':') + 1), `the port in ${what} "${trimmed}"`, allowZero) };
}

/** The one port given in `host:port` and apart from it; undefined when neither. */
function onePort(embedded: number | undefined, apart: number | undefined, describe: () => string): number | undefined {
  if (embedded !== undefined && apart !== undefined && embedded !== apart) throw new UsageError(describe());
  return embedded ?? apart;
}

/** A server's address to listen on: `--host` (maybe with a port) and `--port`. */
export function listenAddress(
  flags: { host?: string; port?: string },
  defaults: { host: string; port: number },
): { host: string; port: number } {
  const given = flags.host === undefined ? { host: defaults.host } : splitHostPort(flags.host, '--host', true);
  const apart = flags.port === undefined ? undefined : parsePort(flags.port, '--port');
  const port = onePort(given.port, apart, () => `two ports: --host ${flags.host} and --port ${flags.port}`);
  return { host: given.host, port: port ?? defaults.port };
}

/**
 * A server's address to connect to, from HOST (maybe `host:port`) and PORT, as far as given:
 * what is missing stays undefined, for the caller to ask or default.
 */
export function connectAddress(
  given: { host?: string; port?: string },
  names: { host: string; port: string } = { host: 'HOST', port: 'PORT' },
): { host?: string; port?: number } {
  const host = given.host?.trim() ? splitHostPort(given.host, names.host, false) : undefined;
  const apart = given.port === undefined ? undefined : parsePort(given.port, names.port, false);
  const port = onePort(host?.port, apart, () => `two ports: ${names.host} ${given.host} and ${names.port} ${given.port}`);
  return { ...(host && { host: host.host }), ...(port !== undefined && { port }) };
}
