// Completion of commands and names, and where the names come from.
import { describe, expect, it } from 'vitest';
import { completeInput } from '../../../src/core/chat-client/input-completion.ts';
import { KnownNames } from '../../../src/core/chat-client/known-names.ts';
import { parseServerLine } from '../../../src/protocol/chat/chat-lines.ts';

function learned(...lines: string[]): KnownNames {
  const names = new KnownNames();
  for (const line of lines) names.learn(parseServerLine(line));
  return names;
}

describe('KnownNames', () => {
  it('learns users and groups from what the server says, and forgets a user who left', () => {
    const names = learned(
      '[Server] Welcome, alice! 2 users online.',
      '[Users] alice, bob',
      '[Server] carol has joined the chat.',
      '[Broadcast] dave: hi',
      '[Group team] erin: hi',
      '[Groups] ops (2), dev (1)',
      '[Server] You joined group lab (1 member).',
      '[Server] frank joined group qa.',
      '[Server] bob has left the chat.',
    );
    expect([...names.users].sort()).toEqual(['alice', 'carol', 'dave', 'erin', 'frank']);
    expect([...names.groups].sort()).toEqual(['dev', 'lab', 'ops', 'qa', 'team']);
  });

  it('keeps at most maxNames of each, forgetting the one seen longest ago', () => {
    const names = new KnownNames(2);
    for (const name of ['a1', 'a2', 'a1', 'a3']) names.learn({ type: 'user-joined', name });
    expect([...names.users]).toEqual(['a1', 'a3']);
  });
});

describe('completeInput', () => {
  const names = { users: ['bob', 'bea', 'carol'], groups: ['team', 'tea-club'] };

  it('completes command names after a slash at the start, names before aliases', () => {
    expect(completeInput('/he', names)).toEqual({ word: '/he', candidates: ['/help '] });
    expect(completeInput('/g', names).candidates).toEqual(['/group ', '/groups ', '/get ']);
    expect(completeInput('/qu', names).candidates).toEqual(['/quit ', '/query ']);
    expect(completeInput('/zz', names).candidates).toEqual([]);
  });

  it('offers users after /msg and /query, groups after /join, /group and /switch', () => {
    expect(completeInput('/msg b', names)).toEqual({ word: 'b', candidates: ['bea ', 'bob '] });
    expect(completeInput('/query c', names).candidates).toEqual(['carol ']);
    expect(completeInput('/join te', names).candidates).toEqual(['tea-club ', 'team ']);
    expect(completeInput('/switch tea-', names).candidates).toEqual(['tea-club ']);
    expect(completeInput('/msg t', names).candidates).toEqual([]);
  });

  it('offers any name in text; one addressed at the start gets a colon', () => {
    expect(completeInput('ca', names).candidates).toEqual(['carol: ']);
    expect(completeInput('hello ca', names).candidates).toEqual(['carol ']);
    expect(completeInput('/msg bob see you in te', names).candidates).toEqual(['tea-club ', 'team ']);
  });

  it('offers no names where a file or a path goes', () => {
    expect(completeInput('/upload b', names).candidates).toEqual([]);
    expect(completeInput('/download b', names).candidates).toEqual([]);
  });
});
