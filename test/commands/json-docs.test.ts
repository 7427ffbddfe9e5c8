// docs/JSON.md against the code: every event each --json output can print, with each of its
// fields, and every code of the client's own errors. The lists come from the source (see
// test/helpers/json-events.ts), so an event added to the code and not to the docs fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { callLiterals, literalEvents, propertyLiterals, typeMembers, unionEvents, type JsonEvent } from '../helpers/json-events.ts';

const DOC = readFileSync(path.join(ROOT, 'docs/JSON.md'), 'utf8');

/** The part of the doc under `## \`heading\``, cut into blocks: table rows and paragraphs. */
function blocks(heading: string): string[] {
  const start = DOC.indexOf(`## \`${heading}\``);
  if (start < 0) return [];
  const rest = DOC.slice(start + 3);
  const section = rest.slice(0, rest.search(/\n## /) < 0 ? undefined : rest.search(/\n## /));
  return section.split(/\n\s*\n/).flatMap((paragraph) => (paragraph.startsWith('|') ? paragraph.split('\n') : [paragraph]));
}

/** A block that names the event (first cell of a row, or anywhere in a paragraph) and all its fields. */
function undocumented(heading: string, events: JsonEvent[]): string[] {
  const parts = blocks(heading);
  return events
    .filter((event) => {
      const named = parts.filter((part) => (part.startsWith('|') ? part.startsWith(`| \`${event.type}\` |`) : part.includes(`\`${event.type}\``)));
      return !named.some((part) => event.fields.every((field) => part.includes(`\`${field}\``) || part.includes(`\`${field}?\``)));
    })
    .map((event) => `${event.type} (${event.fields.join(', ')}) from ${event.source}`);
}

// Building a TypeScript program for the unions takes a few seconds.
const SLOW = 60_000;

describe('docs/JSON.md', () => {
  it('documents every join --json event with its fields', { timeout: SLOW }, () => {
    const events = [
      ...unionEvents('src/protocol/chat/chat-lines.ts', 'ServerEvent'),
      ...unionEvents('src/ui/chat-format.ts', 'LocalEvent'),
      ...literalEvents('src/ui/transfer-report.ts', { within: 'transferJson' }),
    ];
    expect(events.length).toBeGreaterThan(30);
    expect(undocumented('join --json', events)).toEqual([]);
  });

  it('documents the results a transfer event carries', { timeout: SLOW }, () => {
    const downloaded = typeMembers('src/core/files-client/download-job.ts', 'DownloadResult').fields;
    const uploaded = typeMembers('src/core/files-client/upload-job.ts', 'UploadResult').fields;
    expect(downloaded).toContain('sha256');
    expect(
      undocumented('join --json', [
        { type: 'downloaded', fields: downloaded, source: 'DownloadResult' },
        { type: 'uploaded', fields: uploaded, source: 'UploadResult' },
      ]),
    ).toEqual([]);
  });

  it("documents every code of the client's own errors", { timeout: SLOW }, () => {
    const codes = [
      ...propertyLiterals('src/core/chat-client/slash-commands.ts', 'InputResult', 'code'),
      ...propertyLiterals('src/core/chat-client/chat-client.ts', 'SendResult', 'code'),
      ...callLiterals('src/commands/join.ts', 'localError'),
    ];
    expect(codes).toEqual(expect.arrayContaining(['UNKNOWN_COMMAND', 'LINE_TOO_LONG', 'NOT_NETCHAT']));
    const local = blocks('join --json').find((part) => part.startsWith('| `error` | `code`, `message`, `local`'))!;
    expect(codes.filter((code) => !local.includes(`\`${code}\``))).toEqual([]);
  });

  it('documents every udp-join --json event with its fields', { timeout: SLOW }, () => {
    const events = [
      ...unionEvents('src/protocol/udp-chat/server-datagrams.ts', 'UdpServerEvent'),
      ...unionEvents('src/ui/udp-pipe-session.ts', 'UdpLocalEvent'),
    ];
    expect(events.length).toBeGreaterThan(8);
    expect(undocumented('udp-join --json', events)).toEqual([]);
  });

  it('documents every send-file --json event with its fields', () => {
    const events = [
      ...literalEvents('src/commands/send-file.ts', { argumentOf: 'writeJson' }),
      ...literalEvents('src/ui/transfer-progress.ts', { argumentOf: 'writeJson' }),
    ];
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['stored', 'error', 'progress']));
    expect(undocumented('send-file --json', events)).toEqual([]);
  });

  it('finds an event missing from the doc (the check can fail)', () => {
    expect(undocumented('join --json', [{ type: 'no-such-event', fields: [], source: 'test' }])).toHaveLength(1);
    expect(undocumented('join --json', [{ type: 'broadcast', fields: ['no-such-field'], source: 'test' }])).toHaveLength(1);
  });
});
