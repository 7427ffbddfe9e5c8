import { describe, expect, it } from 'vitest';
import { isReservedName, nameRefusal } from '../../src/ui/join-prompts.ts';

describe('reserved names', () => {
  it.each([['server'], ['SERVER'], ['netchat'], ['System']])('%s is reserved', (name) => {
    expect(isReservedName(name)).toBe(true);
    expect(nameRefusal(name, 'NAME_INVALID', 'invalid name')).toBe(`"${name}" is a reserved name: choose another`);
  });

  it.each([['servers'], ['alice'], ['bad name'], ['']])('%j is not reserved', (name) => {
    expect(isReservedName(name)).toBe(false);
  });

  it('says the server’s words for any other refusal', () => {
    expect(nameRefusal('alice', 'NAME_TAKEN', 'the name alice is taken')).toBe('the server refused the name "alice": NAME_TAKEN the name alice is taken');
  });
});
