import type { ErrorCode } from '../chat/error-codes.ts';

// ASCII only: case-insensitive uniqueness is then exact, and no two names can look alike
// through Unicode confusables.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(['server', 'netchat', 'system']);

export const DEFAULT_MAX_NAME_LENGTH = 32;

/** The key under which a user or group name is unique. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Why `name` cannot be a user name, or undefined when it can. */
export function checkUserName(name: string, maxLength = DEFAULT_MAX_NAME_LENGTH): ErrorCode | undefined {
  if (name.length === 0 || name.length > maxLength || !NAME_PATTERN.test(name)) return 'NAME_INVALID';
  if (RESERVED.has(nameKey(name))) return 'NAME_INVALID';
  return undefined;
}

/** Why `name` cannot be a group name, or undefined when it can. */
export function checkGroupName(name: string, maxLength = DEFAULT_MAX_NAME_LENGTH): ErrorCode | undefined {
  if (name.length === 0 || name.length > maxLength || !NAME_PATTERN.test(name)) return 'GROUP_INVALID';
  return undefined;
}
