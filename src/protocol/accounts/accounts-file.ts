// The accounts file: one account a line, `<name> scrypt$N,r,p$salt$hash [operator]`; blank
// lines and lines starting with `#` are kept as they are. Names follow the user-name rules and
// are unique case-insensitively. Parsed and written back as a document, so that `netchat
// account` changes one line and leaves a person's comments alone.
import { checkUserName, nameKey } from '../shared/names.ts';
import { formatStoredPassword, parseStoredPassword, type StoredPassword } from './password-hash.ts';

export interface AccountEntry {
  name: string;
  password: StoredPassword;
  operator: boolean;
}

/** The file as lines: accounts, and the comments and blank lines between them. */
export type AccountsDocument = Array<AccountEntry | { comment: string }>;

/** The file is not well-formed; `line` is 1-based. */
export class AccountsFileError extends Error {
  readonly code = 'ACCOUNTS_FILE_INVALID';
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** The longest name an accounts file may hold, whatever a server's max-name-length. */
export const MAX_ACCOUNT_NAME_LENGTH = 64;
const MARKS = new Set(['operator']);

/** Parse the whole file; throws AccountsFileError naming the first bad line. */
export function parseAccountsFile(text: string): AccountsDocument {
  const document: AccountsDocument = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return document.push({ comment: line });
    const [name = '', stored = '', ...marks] = line.trim().split(/[ \t]+/);
    const fail = (problem: string) => {
      throw new AccountsFileError(index + 1, problem);
    };
    if (checkUserName(name, MAX_ACCOUNT_NAME_LENGTH)) fail(`"${name.slice(0, 40)}" is not a valid user name`);
    if (seen.has(nameKey(name))) fail(`${name} is listed twice`);
    seen.add(nameKey(name));
    const password = parseStoredPassword(stored);
    if ('problem' in password) return fail(`${name}: ${password.problem}`);
    const unknown = marks.find((mark) => !MARKS.has(mark));
    if (unknown !== undefined) fail(`${name}: unknown mark "${unknown.slice(0, 40)}" (only "operator")`);
    document.push({ name, password, operator: marks.includes('operator') });
  });
  return document;
}

export function formatAccountsFile(document: AccountsDocument): string {
  const lines = document.map((item) =>
    'comment' in item ? item.comment : [item.name, formatStoredPassword(item.password), ...(item.operator ? ['operator'] : [])].join(' '),
  );
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function accountEntries(document: AccountsDocument): AccountEntry[] {
  return document.filter((item): item is AccountEntry => 'name' in item);
}

/** The entry for `name`, compared case-insensitively. */
export function findAccount(document: AccountsDocument, name: string): AccountEntry | undefined {
  return accountEntries(document).find((entry) => nameKey(entry.name) === nameKey(name));
}

/** A copy with `entry` in place of the account of its name, or added at the end. */
export function putAccount(document: AccountsDocument, entry: AccountEntry): AccountsDocument {
  const at = document.findIndex((item) => 'name' in item && nameKey(item.name) === nameKey(entry.name));
  if (at === -1) return [...document, entry];
  return document.map((item, index) => (index === at ? entry : item));
}

/** A copy without the account of `name`. */
export function removeAccount(document: AccountsDocument, name: string): AccountsDocument {
  return document.filter((item) => !('name' in item) || nameKey(item.name) !== nameKey(name));
}

/** The header a new accounts file starts with. */
export const ACCOUNTS_FILE_HEADER = '# netchat accounts: <name> scrypt$N,r,p$salt$hash [operator]';
