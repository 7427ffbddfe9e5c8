// Questions `netchat join` asks in a terminal when a value is missing. Each returns undefined
// when the user cancels (Ctrl+C, Esc).
import { cancel, intro, isCancel, text } from '@clack/prompts';
import { checkUserName, hasNameCharacters } from '../protocol/shared/names.ts';

async function ask(options: Parameters<typeof text>[0]): Promise<string | undefined> {
  const answer = await text(options);
  return isCancel(answer) ? undefined : answer.trim();
}

/** Whether `name` is one the server keeps for itself (`server`, …): well formed, yet refused at any length. */
export function isReservedName(name: string): boolean {
  return hasNameCharacters(name) && checkUserName(name, Number.MAX_SAFE_INTEGER) !== undefined;
}

/** Why the server refused `name`, in words: a reserved name is said to be reserved. */
export function nameRefusal(name: string, code: string, message: string): string {
  if (code === 'NAME_INVALID' && isReservedName(name)) return `"${name}" is a reserved name: choose another`;
  return `the server refused the name "${name}": ${code} ${message}`;
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
    validate: (value) => {
      const name = (value ?? '').trim();
      if (!hasNameCharacters(name)) return 'Use A–Z a–z 0–9 _ . - (not starting with . or -)';
      return isReservedName(name) ? `"${name}" is a reserved name: choose another` : undefined;
    },
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
