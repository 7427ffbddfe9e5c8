// Password questions in a terminal: typed without echo (clack masks them), never on stdout.
// Each returns undefined when the user cancels (Ctrl+C, Esc).
import { isCancel, log, password } from '@clack/prompts';
import { passwordProblem } from '../protocol/accounts/account-lines.ts';

type Output = NodeJS.WriteStream;

export async function askPassword(message: string, output?: Output): Promise<string | undefined> {
  const answer = await password({
    message,
    ...(output && { output }),
    validate: (value) => {
      const problem = passwordProblem(value ?? '');
      return problem && value ? `${problem[0]!.toUpperCase()}${problem.slice(1)}` : value ? undefined : 'Type a password';
    },
  });
  return isCancel(answer) ? undefined : answer;
}

/** A new password, typed twice until both match. */
export async function askNewPassword(name: string, output?: Output): Promise<string | undefined> {
  for (;;) {
    const first = await askPassword(`New password for ${name}`, output);
    if (first === undefined) return undefined;
    const second = await askPassword('The same again', output);
    if (second === undefined) return undefined;
    if (first === second) return first;
    log.warn('The two did not match; again.', { ...(output && { output }) });
  }
}
