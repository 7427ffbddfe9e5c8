import { describe, expect, it } from 'vitest';
import { limitArgs, LIMIT_FLAGS, limitsFromFlags, type LimitFlagTable } from '../../src/commands/_limit-flags.ts';
import { DEFAULT_CHAT_LIMITS, resolveChatLimits } from '../../src/core/chat/chat-limits.ts';
import { DEFAULT_FILES_LIMITS } from '../../src/core/files/files-limits.ts';
import {
  DEFAULT_ECHO_CLIENT_LIMITS,
  DEFAULT_ECHO_LIMITS,
  resolveEchoClientLimits,
  resolveEchoLimits,
} from '../../src/core/echo/echo-limits.ts';
import {
  DEFAULT_UDP_CHAT_CLIENT_LIMITS,
  DEFAULT_UDP_CHAT_LIMITS,
  resolveUdpChatClientLimits,
  resolveUdpChatLimits,
} from '../../src/core/udp-chat/udp-chat-limits.ts';

/** A command's table with the core's defaults and merge-and-check behind it. */
function command<Limits>(name: string, table: LimitFlagTable<Limits>, defaults: Readonly<Limits>, resolve: (o: Partial<Limits>) => Limits) {
  return {
    name,
    rows: Object.entries(table),
    defaults,
    /** The usage error's message for `--flag value`, or undefined when it is accepted. */
    refusalOf(flag: string, value: string): string | undefined {
      try {
        limitsFromFlags(table, { [flag]: value }, resolve);
        return undefined;
      } catch (error) {
        expect(error).toMatchObject({ code: 'USAGE' });
        return (error as Error).message;
      }
    },
  };
}

const COMMANDS = [
  command('serve', LIMIT_FLAGS.serve, DEFAULT_CHAT_LIMITS, resolveChatLimits),
  command('echo server', LIMIT_FLAGS.echoServer, DEFAULT_ECHO_LIMITS, resolveEchoLimits),
  command('echo client', LIMIT_FLAGS.echoClient, DEFAULT_ECHO_CLIENT_LIMITS, resolveEchoClientLimits),
  command('udp-serve', LIMIT_FLAGS.udpServe, DEFAULT_UDP_CHAT_LIMITS, resolveUdpChatLimits),
  command('udp-join', LIMIT_FLAGS.udpJoin, DEFAULT_UDP_CHAT_CLIENT_LIMITS, resolveUdpChatClientLimits),
].map((entry) => [entry.name, entry] as const);

/** The message of the error `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ code: 'USAGE' });
    return (error as Error).message;
  }
  throw new Error('nothing was refused');
}

// A core field name is a camelCase word; a flag never is.
const FIELD_NAME = /\b[a-z]+[A-Z]\w*/;

describe('limit flags', () => {
  it.each(COMMANDS)('%s: every row sets a limit the core has a default for', (_, { rows, defaults }) => {
    for (const [, row] of rows) expect(defaults, row.limit).toHaveProperty(row.limit);
  });

  it('show each default in --help in the flag’s own unit', () => {
    const serve = limitArgs(LIMIT_FLAGS.serve, DEFAULT_CHAT_LIMITS);
    expect(serve['max-line-bytes'].description).toMatch(/\(default 4096\)$/);
    expect(serve['max-send-queue'].description).toMatch(/\(default 1m\)$/);
    expect(limitArgs(LIMIT_FLAGS.serveFiles, DEFAULT_FILES_LIMITS)['max-upload-size'].description).toMatch(/\(default 4g\)$/);
    expect(serve['ping-interval'].description).toMatch(/\(default 120\)$/);
    expect(serve['flood-rate'].description).toMatch(/\(default 5\)$/);
    expect(limitArgs(LIMIT_FLAGS.echoServer, DEFAULT_ECHO_LIMITS)['max-line-bytes'].description).toMatch(/\(default 16k\)$/);
    expect(limitArgs(LIMIT_FLAGS.echoClient, DEFAULT_ECHO_CLIENT_LIMITS).interval.description).toMatch(/\(default 0\.2\)$/);
  });

  it('follow a default that changes', () => {
    const args = limitArgs(LIMIT_FLAGS.serve, { ...DEFAULT_CHAT_LIMITS, maxNameLength: 64 });
    expect(args['max-name-length'].description).toMatch(/\(default 64\)$/);
  });

  it('parse each value in the flag’s unit and leave the others at their defaults', () => {
    const limits = limitsFromFlags(
      LIMIT_FLAGS.serve,
      { 'max-send-queue': '64k', 'ping-timeout': '2.5', 'flood-rate': '0.5', 'max-per-ip': '3' },
      resolveChatLimits,
    );
    expect(limits).toEqual({
      ...DEFAULT_CHAT_LIMITS,
      maxSendQueueBytes: 65536,
      pingTimeoutMs: 2500,
      floodLinesPerSecond: 0.5,
      maxConnectionsPerIp: 3,
    });
  });

  it('accept a value at its minimum and refuse one below, naming the flag in its unit', () => {
    expect(limitsFromFlags(LIMIT_FLAGS.serve, { 'max-line-bytes': '16' }, resolveChatLimits).maxLineBytes).toBe(16);
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.serve, { 'max-line-bytes': '15' }, resolveChatLimits))).toBe(
      '--max-line-bytes must be at least 16, got 15',
    );
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.serve, { 'max-send-queue': '1023' }, resolveChatLimits))).toBe(
      '--max-send-queue must be at least 1k, got 1023',
    );
    expect(limitsFromFlags(LIMIT_FLAGS.echoClient, { timeout: '0.001' }, resolveEchoClientLimits).timeoutMs).toBe(1);
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.echoClient, { timeout: '0' }, resolveEchoClientLimits))).toBe(
      '--timeout must be at least 0.001 seconds, got 0',
    );
  });

  it('say a rule between two limits with both flags', () => {
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.serve, { 'flood-rate': '0' }, resolveChatLimits))).toBe(
      '--flood-rate must be > 0 while flood control is on',
    );
    const message = refusal(() => limitsFromFlags(LIMIT_FLAGS.serve, { 'max-unterminated-bytes': '100' }, resolveChatLimits));
    expect(message).toMatch(/^--max-unterminated-bytes must be at least --max-line-bytes/);
  });

  it('refuse a value that is not of the flag’s unit, naming the flag', () => {
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.serve, { 'flood-rate': 'fast' }, resolveChatLimits))).toMatch(/^--flood-rate /);
    expect(refusal(() => limitsFromFlags(LIMIT_FLAGS.echoServer, { 'max-line-bytes': '1x' }, resolveEchoLimits))).toMatch(
      /^--max-line-bytes /,
    );
  });

  it.each(COMMANDS)('%s: a number of seconds past what a timer can wait is refused, naming the flag', (_, { rows, refusalOf }) => {
    for (const [flag, row] of rows) {
      if (row.unit !== 'seconds') continue;
      expect(refusalOf(flag, '3000000')).toMatch(new RegExp(`^--${flag} must be at most 2147483 seconds`));
      expect(refusalOf(flag, '2147483')).toBeUndefined();
    }
  });

  it.each(COMMANDS)('%s: a refused 0 names the flag, never a field of the core', (_, { rows, refusalOf }) => {
    for (const [flag] of rows) {
      const message = refusalOf(flag, '0');
      if (message === undefined) continue; // 0 is allowed for this one
      expect(message).toMatch(new RegExp(`^--${flag} `));
      expect(message).not.toMatch(FIELD_NAME);
    }
  });
});
