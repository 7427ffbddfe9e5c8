// How the terminal shows the user's own messages, errors and notices, timestamps, the prompt
// and the connection's comings and goings.
import { describe, expect, it } from 'vitest';
import { formatEvent, formatNotice, formatOwnMessage, formatProblem, painter, withTime } from '../../src/ui/chat-format.ts';
import { parseTimestampFormat } from '../../src/ui/message-time.ts';
import { closeReason, formatStatus, promptFor } from '../../src/ui/session-status.ts';

const plain = painter(false);

describe('own messages', () => {
  it.each([
    [{ to: 'everyone', text: 'hi all' }, 'alice: hi all'],
    [{ to: 'user', name: 'carol', text: 'psst' }, '→ carol: psst'],
    [{ to: 'group', name: 'team', text: 'ship it' }, '[team] you: ship it'],
  ] as const)('%j → %j', (message, line) => {
    expect(formatOwnMessage(message, 'alice', plain)).toBe(line);
  });
});

describe('one style for errors and notices', () => {
  it('shows the server’s errors and the client’s own alike', () => {
    expect(formatEvent({ type: 'error', code: 'NO_SUCH_USER', message: 'no user named zed' }, plain)).toBe(
      formatProblem('NO_SUCH_USER', 'no user named zed', plain),
    );
    expect(formatProblem('UNKNOWN_COMMAND', 'unknown command /x', plain)).toBe('error UNKNOWN_COMMAND: unknown command /x');
    expect(formatEvent({ type: 'user-joined', name: 'bob' }, plain)).toBe(formatNotice('bob joined the chat', plain));
  });
});

describe('timestamps', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5);

  it('writes [HH:MM] by default and other formats when asked', () => {
    expect(withTime('bob: hi', parseTimestampFormat(undefined, '%H:%M').stamp, at, plain)).toBe('[03:04] bob: hi');
    expect(parseTimestampFormat('%Y-%m-%d %H:%M:%S %%', undefined).stamp!(at)).toBe('2026-01-02 03:04:05 %');
  });

  it('is off with off, none, or no format and no default', () => {
    for (const value of ['off', 'none', '']) expect(parseTimestampFormat(value, '%H:%M')).toEqual({});
    expect(parseTimestampFormat(undefined, undefined)).toEqual({});
    expect(withTime('bob: hi', undefined, at, plain)).toBe('bob: hi');
  });

  it.each(['%H:%Q', '100%'])('refuses %j, naming the field', (format) => {
    expect(parseTimestampFormat(format, undefined).error).toContain('unknown field');
  });
});

describe('the prompt and the connection status', () => {
  it('shows the target and a missing connection in the prompt', () => {
    expect(promptFor('alice', undefined, false, plain)).toBe('alice> ');
    expect(promptFor('alice', { kind: 'user', name: 'bob' }, false, plain)).toBe('alice→bob> ');
    expect(promptFor('alice', { kind: 'group', name: 'team' }, true, plain)).toBe('(reconnecting) alice[team]> ');
  });

  it('tells each step worth a line, once', () => {
    expect(formatStatus({ state: 'lost', close: { reason: 'shutdown' } }, undefined, plain)).toBe(
      '* the server is shutting down; reconnecting (Ctrl+C gives up)',
    );
    expect(formatStatus({ state: 'waiting', attempt: 2, delayMs: 1_500 }, 'ECONNREFUSED', plain)).toBe(
      '* ECONNREFUSED; trying again in 1.5 s (attempt 2)',
    );
    expect(formatStatus({ state: 'rejoined', name: 'alice', groups: ['team', 'ops'] }, undefined, plain)).toBe(
      '* reconnected as alice; back in team, ops',
    );
    expect(formatStatus({ state: 'connecting', attempt: 1 }, undefined, plain)).toBeUndefined();
    expect(closeReason({ reason: 'error', code: 'ECONNRESET', message: 'reset' })).toBe('connection lost: ECONNRESET reset');
  });
});
