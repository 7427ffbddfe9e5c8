import { describe, expect, it } from 'vitest';
import {
  AccountsFileError,
  accountEntries,
  findAccount,
  formatAccountsFile,
  parseAccountsFile,
  putAccount,
  removeAccount,
} from '../../../src/protocol/accounts/accounts-file.ts';

const hashOf = (byte: string) => `scrypt$32768,8,1$${byte.repeat(16)}$${byte.repeat(32)}`;
const FILE = `# our accounts\nann ${hashOf('aa')} operator\n\nbob ${hashOf('bb')}\n`;

function problem(text: string): AccountsFileError {
  try {
    parseAccountsFile(text);
  } catch (error) {
    if (error instanceof AccountsFileError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('the accounts file', () => {
  it('reads accounts and their operator mark, keeping comments and blank lines', () => {
    const document = parseAccountsFile(FILE);
    expect(accountEntries(document).map((e) => [e.name, e.operator])).toEqual([
      ['ann', true],
      ['bob', false],
    ]);
    expect(formatAccountsFile(document)).toBe(FILE);
  });

  it('reads CR LF lines and tabs between fields', () => {
    const document = parseAccountsFile(`ann\t${hashOf('aa')}\toperator\r\n`);
    expect(findAccount(document, 'ANN')).toMatchObject({ name: 'ann', operator: true });
  });

  it('names the line of a bad name, a duplicate, a bad hash or an unknown mark', () => {
    expect(problem(`# x\nan~n ${hashOf('aa')}\n`)).toMatchObject({ code: 'ACCOUNTS_FILE_INVALID', line: 2 });
    expect(problem(`ann ${hashOf('aa')}\nAnn ${hashOf('bb')}\n`).line).toBe(2);
    expect(problem('ann hunter2\n').problem).toMatch(/scrypt/);
    expect(problem(`ann scrypt$16384,8,1$${'aa'.repeat(16)}$${'aa'.repeat(32)}\n`).problem).toMatch(/2\^15/);
    expect(problem(`ann ${hashOf('aa')} admin\n`).problem).toMatch(/unknown mark/);
    expect(problem(`server ${hashOf('aa')}\n`).line).toBe(1);
  });

  it('changes one account in place, adds at the end, and removes, whatever the case', () => {
    const document = parseAccountsFile(FILE);
    const bob = findAccount(document, 'bob')!;
    const changed = putAccount(document, { ...bob, name: 'Bob', operator: true });
    expect(formatAccountsFile(changed)).toBe(`# our accounts\nann ${hashOf('aa')} operator\n\nBob ${hashOf('bb')} operator\n`);
    const added = putAccount(document, { ...bob, name: 'carl' });
    expect(accountEntries(added).map((e) => e.name)).toEqual(['ann', 'bob', 'carl']);
    expect(formatAccountsFile(removeAccount(document, 'ANN'))).toBe(`# our accounts\n\nbob ${hashOf('bb')}\n`);
  });

  it('is empty text for no lines', () => {
    expect(parseAccountsFile('')).toEqual([]);
    expect(formatAccountsFile([])).toBe('');
  });
});
