// Passwords for scripts: the first line of a file or of stdin, or an environment variable;
// never a command-line argument, which `ps` shows to everyone on the machine.
import { passwordProblem } from '../protocol/accounts/account-lines.ts';
import { nodeSmallTextFiles } from '../runtime/small-text-files.ts';
import { UsageError } from './_shared.ts';

/** The longest password taken: far more than anyone types, far less than a line limit. */
export const MAX_PASSWORD_BYTES = 1024;

/** The first line without its line end; refused when empty or too long. */
function firstLine(text: string, source: string): string {
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  const problem = passwordProblem(line);
  if (problem) throw new UsageError(`${source}: ${problem}`);
  if (new TextEncoder().encode(line).length > MAX_PASSWORD_BYTES) throw new UsageError(`${source}: the password is over ${MAX_PASSWORD_BYTES} bytes`);
  return line;
}

export async function passwordFromFile(path: string, flag: string): Promise<string> {
  let text: string | undefined;
  try {
    text = await nodeSmallTextFiles.read(path, 64 * 1024);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text === undefined) throw new UsageError(`${flag} ${path}: no such file`);
  return firstLine(text, `${flag} ${path}`);
}

export function passwordFromEnv(variable: string): string | undefined {
  const value = process.env[variable];
  return value === undefined || value === '' ? undefined : firstLine(value, variable);
}

/** The first line of stdin (a pipe), read up to its line end or the end of input. */
export function passwordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', reject);
      stdin.pause();
      try {
        resolve(firstLine(text, 'stdin'));
      } catch (error) {
        reject(error);
      }
    };
    const onData = (chunk: string) => {
      text += chunk;
      if (text.includes('\n') || text.length > 4 * MAX_PASSWORD_BYTES) done();
    };
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.on('error', reject);
    stdin.resume();
  });
}
