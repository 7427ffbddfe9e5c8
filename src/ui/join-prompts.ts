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
 * (`--max-name-length`), and a name it refuses is asked for again. `initialValue` is offered
 * ready to accept with Enter (the login name, as ssh and irssi assume it).
 */
export function askName(message = 'Your name', initialValue?: string): Promise<string | undefined> {
  return ask({
    message,
    placeholder: 'letters, digits, _ . -',
    ...(initialValue && hasNameCharacters(initialValue) && { initialValue }),
    validate: (value) =>
      hasNameCharacters((value ?? '').trim()) ? undefined : 'Use A–Z a–z 0–9 _ . - (not starting with . or -)',
  });
}

/**
 * The client's start in a terminal: a title, then the name when the command line left it out
 * (offering `loginName`). Host and port have defaults and are never asked: `join NAME` joins
 * at once, as croc and ssh do. Undefined (after saying so) when the user cancels.
 */
export async function askMissingTarget(
  title: string,
  given: { name: string | undefined; host: string | undefined; port: number | undefined },
  defaults: { host: string; port: number; loginName?: string },
): Promise<{ name: string; host: string; port: number } | undefined> {
  intro(title);
  const name = given.name ?? (await askName('Your name', defaults.loginName));
  if (!name) {
    cancel('Cancelled.');
    return undefined;
  }
  return { name, host: given.host ?? defaults.host, port: given.port ?? defaults.port };
}
