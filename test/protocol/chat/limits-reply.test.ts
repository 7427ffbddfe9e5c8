import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerLine, serverLine } from '../../../src/protocol/chat/chat-lines.ts';
import {
  LIMITS_REPLY_KEYS,
  limitsReplyPairs,
  readLimitsReply,
  type LimitsReplyValues,
} from '../../../src/protocol/chat/limits-reply.ts';

const values: LimitsReplyValues = {
  maxLineBytes: 4096,
  maxReplyBytes: 12384,
  floodBurst: 10,
  floodLinesPerSecond: 2.5,
  floodMaxDelayedLines: 100,
  maxNameLength: 32,
  pingIntervalMs: 120000,
  pingTimeoutMs: 60000,
};

describe('the [Limits] reply', () => {
  it('goes on the wire with the documented keys and reads back into the same values', () => {
    const line = serverLine.limits(limitsReplyPairs(values));
    expect(line).toBe(
      '[Limits] max-line-bytes=4096 max-reply-bytes=12384 flood-burst=10 flood-lines-per-second=2.5 ' +
        'flood-max-delayed-lines=100 max-name-length=32 ping-interval-ms=120000 ping-timeout-ms=60000',
    );
    const event = parseServerLine(line);
    expect(event.type === 'limits' && readLimitsReply(event.limits)).toEqual(values);
  });

  it('ignores keys it does not know and values that are not numbers', () => {
    expect(readLimitsReply({ 'flood-burst': 3, 'future-key': 7, 'max-line-bytes': Number.NaN })).toEqual({ floodBurst: 3 });
  });

  it('has every key in the limits table of docs/PROTOCOL.md', () => {
    const doc = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
    for (const key of Object.values(LIMITS_REPLY_KEYS)) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
