// The bans kept between runs (`bans` in the state folder): one a line, `name <name>` or
// `address <address>` (an IPv4 address, or an IPv6 /64 as `<prefix>::/64`); `#` lines are
// comments. Written by the server, readable and editable by a person.

export interface Ban {
  kind: 'name' | 'address';
  /** A user name as typed by the operator, or an address key. */
  target: string;
}

export class BansFileError extends Error {
  readonly code = 'BANS_FILE_INVALID';
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

const LINE = /^(name|address)[ \t]+(\S{1,64})$/;

export function parseBansFile(text: string): Ban[] {
  const bans: Ban[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) throw new BansFileError(index + 1, 'not "name <name>" or "address <address>"');
    bans.push({ kind: match[1] as Ban['kind'], target: match[2]! });
  });
  return bans;
}

export function formatBansFile(bans: readonly Ban[]): string {
  return ['# netchat bans: name <name> | address <address>', ...bans.map((ban) => `${ban.kind} ${ban.target}`)].join('\n') + '\n';
}
