// The lines of logins and operator commands, both ways. Passwords are the rest of their line,
// spaces included, so any password a person can type can be sent by hand from `nc`.

/**
 * Why `password` cannot be sent, or undefined when it can. `AUTH` and `PASS` take the password from
 * the first non-space character after the name, as every command takes its last parameter, so
 * leading spaces would be lost: such a password could be set but never typed.
 */
export function passwordProblem(password: string): string | undefined {
  if (password === '') return 'the password is empty';
  if (/^[ \t]/.test(password)) return 'a password cannot begin with a space';
  return undefined;
}

/** Lines a client sends. */
export const accountClientLine = {
  auth: (name: string, password: string) => `AUTH ${name} ${password}`,
  pass: (password: string) => `PASS ${password}`,
  kick: (name: string, reason?: string) => (reason ? `KICK ${name} ${reason}` : `KICK ${name}`),
  ban: (target: string) => `BAN ${target}`,
  unban: (target: string) => `UNBAN ${target}`,
  bans: () => 'BANS',
  whois: (name: string) => `WHOIS ${name}`,
};

export interface WhoisReply {
  name: string;
  address: string;
  account: string | undefined;
  operator: boolean;
}

/** Lines the server sends. */
export const accountServerLine = {
  loggedIn: (name: string, operator: boolean) => `[Server] Logged in as ${name}${operator ? ' (operator)' : ''}.`,
  passwordAccepted: () => '[Server] Password accepted.',
  /** After the greeting, on a server that asks for more than a name. */
  loginHint: (text: string) => `[Server] ${text}`,
  kicked: (name: string) => `[Server] Kicked ${name}.`,
  banned: (kind: 'name' | 'address', target: string, closed: number) =>
    `[Server] Banned ${kind} ${target}${closed > 0 ? ` (${closed} ${closed === 1 ? 'connection' : 'connections'} closed)` : ''}.`,
  unbanned: (kind: 'name' | 'address', target: string) => `[Server] Unbanned ${kind} ${target}.`,
  bans: (entries: readonly string[]) => `[Bans] ${entries.join(', ')}`,
  bansEnd: (count: number) => `[Bans] ${count} ${count === 1 ? 'ban' : 'bans'}.`,
  whois: (reply: WhoisReply) =>
    `[Whois] ${reply.name} address=${reply.address} account=${reply.account ?? '-'} operator=${reply.operator ? 'yes' : 'no'}`,
};

export type AccountServerEvent =
  | { type: 'logged-in'; name: string; operator: boolean }
  /** What this server asks for before JOIN, right after the greeting. */
  | { type: 'login-hint'; text: string }
  | { type: 'password-accepted' }
  | ({ type: 'whois' } & WhoisReply);

const NAME = '([A-Za-z0-9_][A-Za-z0-9_.-]*)';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => AccountServerEvent]> = [
  [new RegExp(`^\\[Server\\] Logged in as ${NAME}( \\(operator\\))?\\.$`), (m) => ({ type: 'logged-in', name: m[1]!, operator: m[2] !== undefined })],
  [/^\[Server\] Password accepted\.$/, () => ({ type: 'password-accepted' })],
  [/^\[Server\] (Before JOIN, send .*|This server asks for a password, .*)$/, (m) => ({ type: 'login-hint', text: m[1]! })],
  [
    new RegExp(`^\\[Whois\\] ${NAME} address=(\\S+) account=(\\S+) operator=(yes|no)$`),
    (m) => ({ type: 'whois', name: m[1]!, address: m[2]!, account: m[3] === '-' ? undefined : m[3]!, operator: m[4] === 'yes' }),
  ],
];

/** One of the lines above as an event; undefined for any other line. */
export function parseAccountServerLine(line: string): AccountServerEvent | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  return undefined;
}
