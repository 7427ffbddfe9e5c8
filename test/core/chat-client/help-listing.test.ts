import { describe, expect, it } from 'vitest';
import { helpLines, parseInput } from '../../../src/core/chat-client/slash-commands.ts';

describe('/help', () => {
  it('does not teach /boardcast, which keeps working', () => {
    expect(helpLines().join('\n')).not.toContain('boardcast');
    expect(helpLines().join('\n')).toContain('/b');
    expect(parseInput('/boardcast hi')).toEqual({ kind: 'send', line: 'BROADCAST hi' });
  });
});
