import { describe, expect, it } from 'vitest';
import { outgoingMessage } from '../../../src/core/chat-client/outgoing-message.ts';

describe('outgoingMessage', () => {
  it.each([
    ['BROADCAST hi  there', { message: { to: 'everyone', text: 'hi  there' }, prefix: 'BROADCAST ' }],
    ['UNICAST bob hi', { message: { to: 'user', name: 'bob', text: 'hi' }, prefix: 'UNICAST bob ' }],
    ['GROUP_MSG team ship it', { message: { to: 'group', name: 'team', text: 'ship it' }, prefix: 'GROUP_MSG team ' }],
  ])('%j is a message', (line, expected) => {
    expect(outgoingMessage(line)).toEqual(expected);
  });

  it.each(['JOIN_GROUP team', 'LIST_USERS', 'QUIT bye', 'UNICAST bob', 'BROADCAST'])('%j is not', (line) => {
    expect(outgoingMessage(line)).toBeUndefined();
  });
});
