import { defineCommand } from 'citty';
import { hashPassword } from '../core/accounts/password-check.ts';
import {
  ACCOUNTS_FILE_HEADER,
  findAccount,
  formatAccountsFile,
  MAX_ACCOUNT_NAME_LENGTH,
  parseAccountsFile,
  putAccount,
  removeAccount,
  type AccountsDocument,
} from '../protocol/accounts/accounts-file.ts';
import { checkUserName, isReservedName } from '../protocol/shared/names.ts';
import { getRuntime } from '../runtime/index.ts';
import { nodePasswordHashing } from '../runtime/password-hashing.ts';
import { nodeSmallTextFiles } from '../runtime/small-text-files.ts';
import { askNewPassword } from '../ui/password-prompt.ts';
import { passwordFromStdin } from './_password-input.ts';
import { createLogger, EXIT, logArgs, UsageError } from './_shared.ts';
import { resolveStateDir, stateDirArg } from './_state-dir.ts';

const ACTIONS = ['add', 'remove', 'passwd'] as const;
type Action = (typeof ACTIONS)[number];

export default defineCommand({
  meta: {
    name: 'account',
    description: 'Add or remove an account, or change its password, in the accounts file `serve --accounts` reads',
  },
  args: {
    action: { type: 'positional', required: true, description: 'add, remove or passwd', valueHint: 'add|remove|passwd' },
    name: { type: 'positional', required: true, description: 'The account (a user name)', valueHint: 'name' },
    accounts: { type: 'string', description: 'Accounts file (default <state-dir>/accounts)', valueHint: 'file' },
    operator: { type: 'boolean', description: 'add: an operator account; passwd: --operator or --no-operator changes the mark' },
    ...stateDirArg,
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args);
    const action = args.action as Action;
    if (!ACTIONS.includes(action)) throw new UsageError(`the action is add, remove or passwd, got "${args.action}"`);
    const name = args.name.trim();
    if (isReservedName(name)) throw new UsageError(`"${name}" is reserved: the server speaks under it`);
    if (checkUserName(name, MAX_ACCOUNT_NAME_LENGTH)) {
      throw new UsageError(`"${name}" is not a user name: 1-${MAX_ACCOUNT_NAME_LENGTH} of A-Z a-z 0-9 _ . - (not starting with . or -)`);
    }
    const files = getRuntime().files;
    const path = files.resolve(args.accounts?.trim() || files.join(resolveStateDir(args['state-dir']), 'accounts'));

    let document: AccountsDocument;
    let exists: boolean;
    try {
      const text = await nodeSmallTextFiles.read(path, 16 * 1024 * 1024);
      exists = text !== undefined;
      document = text === undefined ? [{ comment: ACCOUNTS_FILE_HEADER }] : parseAccountsFile(text);
    } catch (error) {
      logger.error(`cannot read ${path}: ${(error as Error).message}`);
      process.exitCode = EXIT.FAILURE;
      return;
    }
    const current = findAccount(document, name);
    if (action === 'add' && current) return refuse(logger, `${current.name} already has an account in ${path}; change its password with: netchat account passwd ${current.name}`);
    if (action !== 'add' && !current) return refuse(logger, `no account named ${name} in ${path}`);

    if (action === 'remove') {
      document = removeAccount(document, name);
    } else {
      const password = process.stdin.isTTY ? await askNewPassword(current?.name ?? name, process.stderr) : await passwordFromStdin();
      if (password === undefined) {
        process.exitCode = EXIT.INTERRUPTED;
        return;
      }
      const operator = args.operator ?? current?.operator ?? false;
      document = putAccount(document, { name: current?.name ?? name, password: await hashPassword(nodePasswordHashing, password), operator });
    }
    try {
      if (!exists) await files.makeDirectory(files.dirname(path), { recursive: true });
      await nodeSmallTextFiles.replace(path, formatAccountsFile(document), 0o600);
    } catch (error) {
      logger.error(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      process.exitCode = EXIT.FAILURE;
      return;
    }
    const done = { add: 'added', remove: 'removed', passwd: 'changed the password of' }[action];
    const mark = action !== 'remove' && findAccount(document, name)?.operator ? ' (operator)' : '';
    logger.success(`${done} ${current?.name ?? name}${mark} in ${path}`);
    process.exitCode = EXIT.OK;
  },
});

function refuse(logger: { error(message: string): void }, message: string): void {
  logger.error(message);
  process.exitCode = EXIT.FAILURE;
}
