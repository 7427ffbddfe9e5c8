// Logging in before JOIN on a server with accounts or a server password: the lines to send on
// every connection (the first and each reconnect), and which refusals belong on the join form.
// The passwords live only in this page's memory, never in storage, and are sent only as the
// protocol's AUTH and PASS lines.
import { accountClientLine } from '../src/protocol/accounts/account-lines.ts';

/** Refusals of a login or of a JOIN that asks for one: shown on the join form, as text. */
export const LOGIN_ERRORS = new Set([
  'LOGIN_FAILED',
  'LOGIN_THROTTLED',
  'LOGIN_BUSY',
  'PASSWORD_WRONG',
  'PASSWORD_REQUIRED',
  'ACCOUNT_REQUIRED',
  'PLAINTEXT_AUTH_REFUSED',
]);

export class Login {
  private password = '';
  private serverPassword = '';
  /** Per connection: AUTH already accepted, so a second would be refused. */
  private loggedIn = false;
  /** Per attempt: the first refusal (AUTH's own), kept so the JOIN refusal after it does not hide it. */
  private refusal: string | undefined;

  /** What the form holds; empty fields mean none. */
  set(password: string, serverPassword: string): void {
    this.password = password;
    this.serverPassword = serverPassword;
  }

  /** A new connection: nothing is logged in on it yet. */
  connected(): void {
    this.loggedIn = false;
  }

  loggedInNow(): void {
    this.loggedIn = true;
  }

  /** The lines to send before `JOIN <name>`: PASS, then AUTH, each only when given. */
  linesBeforeJoin(name: string): string[] {
    this.refusal = undefined;
    const lines: string[] = [];
    if (this.loggedIn) return lines;
    if (this.serverPassword) lines.push(accountClientLine.pass(this.serverPassword));
    if (this.password) lines.push(accountClientLine.auth(name, this.password));
    return lines;
  }

  /** The text to show for a refusal in this attempt, or undefined to keep the one shown. */
  refused(code: string, message: string): string | undefined {
    if (this.refusal) return undefined;
    this.refusal = code;
    return describe(code, message);
  }
}

function describe(code: string, message: string): string {
  switch (code) {
    case 'LOGIN_FAILED':
      return 'Wrong name or password.';
    case 'PASSWORD_WRONG':
      return 'Wrong server password.';
    case 'ACCOUNT_REQUIRED':
    case 'PASSWORD_REQUIRED':
      return `A password is needed: ${message}`;
    default:
      return `${message} (${code})`;
  }
}

/** The hint after the greeting says whether the server password (PASS) is asked for. */
export function asksServerPassword(hint: string): boolean {
  return /\bPASS\b/.test(hint);
}
