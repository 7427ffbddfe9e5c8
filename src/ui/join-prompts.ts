// Questions `netchat join` asks in a terminal when a value is missing. Each returns undefined
// when the user cancels (Ctrl+C, Esc).
import { isCancel, text } from '@clack/prompts';
import { hasNameCharacters } from '../protocol/shared/names.ts';

async function ask(options: Parameters<typeof text>[0]): Promise<string | undefined> {
  const answer = await text(options);
  return isCancel(answer) ? undefined : answer.trim();
}

/**
 * Only the characters are checked here: how long a name may be is the server's choice
 * (`--max-name-length`), and a name it refuses is asked for again.
 */
export function askName(message = 'Your name'): Promise<string | undefined> {
  return ask({
    message,
    placeholder: 'letters, digits, _ . -',
    validate: (value) =>
      hasNameCharacters((value ?? '').trim()) ? undefined : 'Use A–Z a–z 0–9 _ . - (not starting with . or -)',
  });
}

export function askHost(defaultHost: string): Promise<string | undefined> {
  return ask({ message: 'Server address', placeholder: defaultHost, defaultValue: defaultHost });
}

export async function askPort(defaultPort: number): Promise<number | undefined> {
  const answer = await ask({
    message: 'Server port',
    placeholder: String(defaultPort),
    defaultValue: String(defaultPort),
    validate: (value) => {
      const text = (value ?? '').trim();
      if (text === '') return undefined;
      const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      return port >= 1 && port <= 65535 ? undefined : 'A port is a number from 1 to 65535';
    },
  });
  return answer === undefined ? undefined : Number(answer || defaultPort);
}
