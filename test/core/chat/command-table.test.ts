import { describe, expect, it } from 'vitest';
import { COMMANDS, limitsReply, maxReplyBytes } from '../../../src/core/chat/command-table.ts';
import { DEFAULT_CHAT_LIMITS } from '../../../src/core/chat/chat-limits.ts';
import { FILE_VERBS } from '../../../src/core/files/file-commands.ts';
import { ACCOUNT_VERBS } from '../../../src/core/accounts/account-commands.ts';
import { CLIENT_VERBS } from '../../../src/protocol/chat/chat-lines.ts';
import { limitsReplyPairs } from '../../../src/protocol/chat/limits-reply.ts';

describe('command table', () => {
  it('has one entry per client verb; before registration only JOIN, QUIT and what opens a transfer connection', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual([...CLIENT_VERBS, ...FILE_VERBS, ...ACCOUNT_VERBS].sort());
    const early = Object.entries(COMMANDS).filter(([, spec]) => spec.beforeRegistration).map(([verb]) => verb);
    expect(early.sort()).toEqual(['AUTH', 'JOIN', 'PASS', 'QUIT', 'TRANSFER', 'UPLOAD', 'UPLOAD_RAW']);
  });

  it('states each syntax starting with its verb, with as many parameters as it parses', () => {
    for (const [verb, spec] of Object.entries(COMMANDS)) {
      expect(spec.syntax.split(' ')[0]).toBe(verb);
      expect(spec.minArgs).toBeLessThanOrEqual(spec.params);
      expect(spec.handler.toString(), verb).toContain(`// ${spec.syntax.split(' ')[0]}`);
    }
    // The file commands take the rest of the line and parse it themselves (names hold spaces).
    for (const verb of CLIENT_VERBS) expect(COMMANDS[verb].syntax.split(' ').length - 1, verb).toBe(COMMANDS[verb].params);
  });
});

describe('LIMITS reply', () => {
  it('carries the keys a client paces itself by', () => {
    const reply = limitsReplyPairs(limitsReply(DEFAULT_CHAT_LIMITS));
    expect(reply).toMatchObject({
      'max-line-bytes': DEFAULT_CHAT_LIMITS.maxLineBytes,
      'flood-burst': DEFAULT_CHAT_LIMITS.floodBurst,
      'flood-lines-per-second': DEFAULT_CHAT_LIMITS.floodLinesPerSecond,
      'flood-max-delayed-lines': DEFAULT_CHAT_LIMITS.floodMaxDelayedLines,
    });
    expect(reply['max-reply-bytes']).toBe(maxReplyBytes(DEFAULT_CHAT_LIMITS));
  });

  it('bounds the longest relayed line: every byte replaced, behind the longest prefix', () => {
    const limits = { ...DEFAULT_CHAT_LIMITS, maxLineBytes: 16, maxNameLength: 4 };
    const line = `[Group ${'g'.repeat(4)}] ${'n'.repeat(4)}: ${'\uFFFD'.repeat(16)}`;
    expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(maxReplyBytes(limits));
  });
});
