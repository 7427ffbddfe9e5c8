// Questions `netchat join` asks in a terminal when a value is missing. Each returns undefined
// when the user cancels (Ctrl+C, Esc).
import { cancel, intro, isCancel, text } from '@clack/prompts';
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

/**
 * The client's start in a terminal: a title, then whatever of name, host and port the command
 * line left out, asked in that order. Undefined (after saying so) when the user cancels.
 */
export async function askMissingTarget(
  title: string,
  given: { name: string | undefined; host: string | undefined; port: number | undefined },
  defaults: { host: string; port: number },
): Promise<{ name: string; host: string; port: number } | undefined> {
  intro(title);
  const name = given.name ?? (await askName());
  const host = given.host ?? (name && (await askHost(defaults.host)));
  const port = given.port ?? (host ? await askPort(defaults.port) : undefined);
  if (!name || !host || !port) {
    cancel('Cancelled.');
    return undefined;
  }
  return { name, host, port };
}
