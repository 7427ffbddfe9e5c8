import type { ErrorCode } from '../chat/error-codes.ts';

// ASCII only: case-insensitive uniqueness is then exact, and no two names can look alike
// through Unicode confusables.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(['server', 'netchat', 'system']);

/** Whether `name` is one no user may take (it would pass for the server speaking). */
export function isReservedName(name: string): boolean {
  return RESERVED.has(nameKey(name));
}

/** The key under which a user or group name is unique. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Whether `name` is made of the characters a name may have, in the places it may have them.
 * All a client can check by itself: the longest name is the server's `max-name-length`.
 */
export function hasNameCharacters(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Why `name` cannot be a user name on a server whose longest name is `maxLength`, or undefined when it can. */
export function checkUserName(name: string, maxLength: number): ErrorCode | undefined {
  if (name.length > maxLength || !hasNameCharacters(name)) return 'NAME_INVALID';
  if (RESERVED.has(nameKey(name))) return 'NAME_INVALID';
  return undefined;
}

/** Why `name` cannot be a group name on a server whose longest name is `maxLength`, or undefined when it can. */
export function checkGroupName(name: string, maxLength: number): ErrorCode | undefined {
  if (name.length > maxLength || !hasNameCharacters(name)) return 'GROUP_INVALID';
  return undefined;
}
