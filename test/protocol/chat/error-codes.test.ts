// The chat error-code table is the one list of codes: docs/PROTOCOL.md documents exactly these,
// with the same "kept"/"closed" outcome, and every ERROR line is built by the one builder.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerLine, serverLine } from '../../../src/protocol/chat/chat-lines.ts';
import { ERROR_CODES, FATAL_ERROR_CODES, type ErrorCode } from '../../../src/protocol/chat/error-codes.ts';

const root = new URL('../../../', import.meta.url);
const protocolDoc = readFileSync(new URL('docs/PROTOCOL.md', root), 'utf8');

/** The rows of one error table, found by its section and heading: code → "kept" or "closed". */
function documentedTable(section: string, heading: string): Map<string, string> {
  const start = protocolDoc.indexOf(section);
  const part = protocolDoc.slice(start, protocolDoc.indexOf('\n## ', start + 1));
  const table = part.slice(part.indexOf(heading), part.indexOf('\n### ', part.indexOf(heading) + 1));
  const rows = new Map<string, string>();
  for (const match of table.matchAll(/^\| `([A-Z_]+)` \|.*\| (kept|closed) \|$/gm)) rows.set(match[1]!, match[2]!);
  return rows;
}

/** The chat `### Errors` table, its shared-files section (`### File errors`) and its accounts section (`### Account errors`). */
function documentedChatErrors(): Map<string, string> {
  return new Map([
    ...documentedTable('## Chat', '### Errors'),
    ...documentedTable('## Shared files', '### File errors'),
    ...documentedTable('## Accounts and operators', '### Account errors'),
  ]);
}

describe('chat error codes', () => {
  it('are all documented in docs/PROTOCOL.md, and nothing else is', () => {
    const documented = documentedChatErrors();
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('say in the docs whether the connection is closed, as the table does', () => {
    const documented = documentedChatErrors();
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(documented.get(code), code).toBe(spec.closes ? 'closed' : 'kept');
    }
    expect([...FATAL_ERROR_CODES].sort()).toEqual(
      (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].closes).sort(),
    );
  });

  it('build one line each that parses back to its code, whatever the text holds', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const line = serverLine.error(code, 'quoted "x"\nERROR FAKE injected');
      expect(line).not.toMatch(/\n/);
      expect(parseServerLine(line)).toMatchObject({ type: 'error', code });
    }
  });

  it('reach the wire only through serverLine.error: no other chat source spells an ERROR line', () => {
    const spelled: string[] = [];
    for (const dir of ['src/protocol/chat/', 'src/core/chat/', 'src/core/links/']) {
      for (const file of readdirSync(new URL(dir, root))) {
        const source = readFileSync(new URL(dir + file, root), 'utf8');
        for (const line of source.split('\n')) {
          const code = line.trim();
          if (!code.startsWith('//') && !code.startsWith('*') && /['"`]ERROR /.test(code)) spelled.push(`${dir}${file}: ${code}`);
        }
      }
    }
    expect(spelled).toEqual([expect.stringMatching(/^src\/protocol\/chat\/chat-lines\.ts: error: \(code: ErrorCode/)]);
  });
});
