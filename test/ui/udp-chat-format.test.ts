import { describe, expect, it } from 'vitest';
import { formatEvent, painter } from '../../src/ui/chat-format.ts';
import { formatUdpEvent } from '../../src/ui/udp-chat-format.ts';

const plain = painter(false);
const colour = painter(true);

describe('formatUdpEvent', () => {
  it('shows a message exactly as join shows a broadcast, colours included', () => {
    const udp = formatUdpEvent({ type: 'message', from: 'bob', text: 'hi' }, colour);
    expect(udp).toBe(formatEvent({ type: 'broadcast', from: 'bob', text: 'hi' }, colour));
    expect(formatUdpEvent({ type: 'message', from: 'bob', text: 'hi' }, plain)).toBe('bob: hi');
  });

  it('shows joins, leaves, notices, errors and the shutdown as join does', () => {
    expect(formatUdpEvent({ type: 'user-joined', name: 'eve' }, plain)).toBe('* eve joined the chat');
    expect(formatUdpEvent({ type: 'user-left', name: 'eve', reason: 'timed out' }, plain)).toBe('* eve left the chat (timed out)');
    expect(formatUdpEvent({ type: 'shutdown', text: 'Server is shutting down.' }, plain)).toBe('Server is shutting down.');
    expect(formatUdpEvent({ type: 'error', code: 'FLOOD', message: 'slow down' }, plain)).toBe('error FLOOD: slow down');
    expect(formatUdpEvent({ type: 'notice', text: 'hello' }, plain)).toBe('hello');
  });

  it('hides what only the client needs', () => {
    for (const event of [
      { type: 'welcome', name: 'a', online: 1, limits: {} },
      { type: 'challenge', code: 'abcdef' },
      { type: 'probe', name: 'a' },
      { type: 'pong', token: '' },
      { type: 'goodbye' },
    ] as const) {
      expect(formatUdpEvent(event, plain)).toBeUndefined();
    }
  });
});
