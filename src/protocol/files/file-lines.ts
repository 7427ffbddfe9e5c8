// The shared-files part of the chat protocol, as pure string functions: what clients send to
// list, download and upload, and the lines the server answers with. docs/PROTOCOL.md "Shared
// files" is the reference. File names may hold spaces, so a name is always the last field of a
// line and runs to its end; every other field is one word.
import { checkFileName } from './file-names.ts';

export interface FileListing {
  name: string;
  size: number;
  /** Milliseconds since 1970. */
  mtimeMs: number;
}

export interface DownloadRequest {
  name: string;
  offset: number;
}

export interface FileHeader {
  size: number;
  sha256: string;
  offset: number;
  name: string;
}

export interface DeclaredUpload {
  size: number;
  sha256: string;
  name: string;
}

/** `UPLOAD <size> <sha256 or TRAILER> <name>`: `sha256` undefined when the hash follows the bytes. */
export interface UploadDeclaration {
  size: number;
  sha256: string | undefined;
  name: string;
}

/** The hash field of an UPLOAD whose SHA-256 comes in a trailer line after the bytes. */
export const TRAILER_WORD = 'TRAILER';
/** `SHA256 <64 hex>` and its LF, with room for a CR: more than this without an LF is malformed. */
export const MAX_UPLOAD_TRAILER_BYTES = 80;

const DIGITS = /^\d{1,15}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function isSha256Hex(text: string): boolean {
  return SHA256.test(text);
}

function wholeNumber(text: string | undefined): number | undefined {
  return text !== undefined && DIGITS.test(text) ? Number(text) : undefined;
}

/** Seconds precision is all a listing needs; ISO 8601 in UTC reads well and sorts as text. */
function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

// ---------------------------------------------------------------------------------------------
// Client → server

export const fileClientLine = {
  listFiles: (after?: string) => (after === undefined ? 'LIST_FILES' : `LIST_FILES AFTER ${after}`),
  /** A name that is itself `<words> <digits>`, or starts with a quote, is sent quoted. */
  downloadTcp: (name: string, offset = 0) => {
    const quoted = name.startsWith('"') || /\s\d+$/.test(name) || offset > 0 ? `"${name}"` : name;
    return offset > 0 ? `DOWNLOAD_TCP ${quoted} ${offset}` : `DOWNLOAD_TCP ${quoted}`;
  },
  ticket: () => 'TICKET',
  transfer: (token: string) => `TRANSFER ${token}`,
  /** With `sha256` undefined, the hash comes after the bytes, in `uploadTrailer`. */
  upload: (upload: UploadDeclaration) => `UPLOAD ${upload.size} ${upload.sha256 ?? TRAILER_WORD} ${upload.name}`,
  /** The line right after the bytes of an `UPLOAD <size> TRAILER <name>`. */
  uploadTrailer: (sha256: string) => `SHA256 ${sha256}`,
  uploadRaw: (name: string) => `UPLOAD_RAW ${name}`,
  /** `options` are the transfer's `key=value` words (id, offset, datagram). */
  downloadUdp: (name: string, udpPort: number, options: string) => `DOWNLOAD_UDP ${name} ${udpPort}${options ? ` ${options}` : ''}`,
};

/**
 * `DOWNLOAD_UDP <file> <udpPort> [key=value …]`: the name (which may hold spaces), the port, and
 * the option words. Read from the end: options, then the port, then the rest is the name.
 */
export function parseDownloadUdpArgs(rest: string): { name: string; port: number; optionWords: string[] } | undefined {
  const words = rest.trim().split(/ +/);
  const optionWords: string[] = [];
  while (words.length > 0 && /^[a-z]+=/.test(words[words.length - 1]!)) optionWords.unshift(words.pop()!);
  const port = words.pop();
  if (port === undefined || !/^\d{1,5}$/.test(port) || words.length === 0) return undefined;
  const name = words.join(' ');
  return { name: name.startsWith('"') && name.endsWith('"') && name.length > 1 ? name.slice(1, -1) : name, port: Number(port), optionWords };
}

/** `LIST_FILES [AFTER <name>]`: the name the listing continues after, or undefined for the first page. */
export function parseListFilesArgs(rest: string): { after?: string } | undefined {
  const text = rest.trim();
  if (text === '') return {};
  const match = /^AFTER (.+)$/i.exec(text);
  return match ? { after: match[1]! } : undefined;
}

/**
 * The readings of `DOWNLOAD_TCP <file> [offset]`, most literal first. `"a name" 100` is one
 * reading; otherwise the whole rest is a name (offset 0), and when it ends in ` <digits>` that
 * number may also be an offset into the name before it. The server takes the first reading
 * whose file exists, so `nc` users need no quotes for ordinary names.
 */
export function downloadReadings(rest: string): DownloadRequest[] {
  const text = rest.replace(/^ +/, '').replace(/\s+$/, '');
  if (text === '') return [];
  if (text.startsWith('"')) {
    const close = text.indexOf('"', 1);
    if (close <= 1) return [];
    const after = text.slice(close + 1).trim();
    const offset = after === '' ? 0 : wholeNumber(after);
    return offset === undefined ? [] : [{ name: text.slice(1, close), offset }];
  }
  const readings: DownloadRequest[] = [{ name: text, offset: 0 }];
  const match = /^(.*\S) +(\d{1,15})$/.exec(text);
  if (match) readings.push({ name: match[1]!, offset: Number(match[2]) });
  return readings;
}

/** `UPLOAD <size> <sha256> <name>` or `UPLOAD <size> TRAILER <name>`; undefined when a field is malformed. */
export function parseUploadArgs(rest: string): UploadDeclaration | undefined {
  const match = /^(\d{1,15}) +([0-9a-fA-F]{64}|TRAILER) +(\S.*)$/i.exec(rest.replace(/^ +/, ''));
  if (!match) return undefined;
  const hash = match[2]!.toLowerCase();
  return { size: Number(match[1]), sha256: hash === 'trailer' ? undefined : hash, name: match[3]!.replace(/\s+$/, '') };
}

/** The trailer line after an upload's bytes (without its LF; a CR before it is allowed): the SHA-256, or undefined when malformed. */
export function parseUploadTrailer(line: string): string | undefined {
  const match = /^SHA256 ([0-9a-fA-F]{64})\r?$/.exec(line);
  return match ? match[1]!.toLowerCase() : undefined;
}

// ---------------------------------------------------------------------------------------------
// Server → client

export const fileServerLine = {
  /** One listing entry: `[File] <size> <mtime> <name>`. */
  file: (entry: FileListing) => `[File] ${entry.size} ${isoSeconds(entry.mtimeMs)} ${entry.name}`,
  /** The line after a page of entries; names where to continue when the page was not the last. */
  filesEnd: (shown: number, total: number, continueAfter?: string) =>
    `[Files] ${shown} ${shown === 1 ? 'file' : 'files'}, ${total} in total.` +
    (continueAfter === undefined ? '' : ` More: LIST_FILES AFTER ${continueAfter}`),
  /** Followed by exactly `size - offset` raw bytes: the file from `offset` on. */
  fileStart: (header: FileHeader) => `FILE_START_TCP ${header.size} ${header.sha256} ${header.offset} ${header.name}`,
  ticket: (token: string, ttlSeconds: number) => `TICKET ${token} ${ttlSeconds}`,
  /** A declared upload was accepted: the client sends its bytes now. */
  uploadReady: () => 'UPLOAD_READY',
  stored: (upload: DeclaredUpload) => `FILE_STORED ${upload.size} ${upload.sha256} ${upload.name}`,
  /** The notice other users get; `by` is undefined for an upload from a connection without a name. */
  shared: (by: string | undefined, name: string, sizeText: string) =>
    `[Server] ${by ?? 'A guest'} shared ${name} (${sizeText}).`,
};

export type FileServerEvent =
  | { type: 'file'; name: string; size: number; mtime: string }
  | { type: 'files-end'; shown: number; total: number; continueAfter?: string }
  | { type: 'file-start'; size: number; sha256: string; offset: number; name: string }
  | { type: 'ticket'; token: string; ttlSeconds: number }
  | { type: 'upload-ready' }
  | { type: 'file-stored'; size: number; sha256: string; name: string }
  | { type: 'file-shared'; by?: string; name: string; sizeText: string };

const NAME = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => FileServerEvent | undefined]> = [
  [
    /^\[File\] (\d{1,15}) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.+)$/,
    (m) => ({ type: 'file', size: Number(m[1]), mtime: m[2]!, name: m[3]! }),
  ],
  [
    /^\[Files\] (\d{1,15}) files?, (\d{1,15}) in total\.(?: More: LIST_FILES AFTER (.+))?$/,
    (m) => ({
      type: 'files-end',
      shown: Number(m[1]),
      total: Number(m[2]),
      ...(m[3] !== undefined && { continueAfter: m[3] }),
    }),
  ],
  [
    /^FILE_START_TCP (\d{1,15}) ([0-9a-f]{64}) (\d{1,15}) (.+)$/,
    (m) => {
      const size = Number(m[1]);
      const offset = Number(m[3]);
      // The name is the client's to save under: one that could not be a shared file's is no reply.
      return offset > size || checkFileName(m[4]!) ? undefined : { type: 'file-start', size, sha256: m[2]!, offset, name: m[4]! };
    },
  ],
  [/^TICKET ([0-9a-f]{16,128}) (\d{1,6})$/, (m) => ({ type: 'ticket', token: m[1]!, ttlSeconds: Number(m[2]) })],
  [/^UPLOAD_READY$/, () => ({ type: 'upload-ready' })],
  [
    /^FILE_STORED (\d{1,15}) ([0-9a-f]{64}) (.+)$/,
    (m) => (checkFileName(m[3]!) ? undefined : { type: 'file-stored', size: Number(m[1]), sha256: m[2]!, name: m[3]! }),
  ],
  [
    new RegExp(`^\\[Server\\] (${NAME}|A guest) shared (.+) \\(([^()]+)\\)\\.$`),
    (m) => ({ type: 'file-shared', ...(m[1] !== 'A guest' && { by: m[1]! }), name: m[2]!, sizeText: m[3]! }),
  ],
];

/** A shared-files line from the server as an event, or undefined when it is not one. */
export function parseFileServerLine(line: string): FileServerEvent | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(line);
    if (match) return build(match);
  }
  return undefined;
}
