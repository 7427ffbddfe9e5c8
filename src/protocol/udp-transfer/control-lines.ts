// The control lines of a UDP file transfer. They travel on the TCP chat connection beside chat
// lines, so each is one ASCII line of at most MAX_CONTROL_LINE_BYTES, readable with `nc`:
//
//   UDP_BEGIN <id> size=<bytes> offset=<bytes> chunk=<bytes> window=<chunks> sha256=<hex> [key=<hex>]
//                                                                                           sender → receiver
//   UDP_ACK <id> next=<n> high=<n> [upto=<n>] window=<n> rx=<n> [pn=<n> delay=<µs>] [missing=<ranges>]
//                                                                                           receiver → sender
//   UDP_DONE <id> bytes=<bytes> sha256=<hex>                                                receiver → sender
//   UDP_ERROR <id> <CODE> <text>                                                            either way
//
// Meanings are in docs/PROTOCOL.md ("UDP file transfer"). Parsing never throws: it returns the
// message or a ParseFailure; unknown keys are ignored so newer peers can add some.
import { type ChunkRange, formatChunkRanges, parseChunkRanges } from './chunk-ranges.ts';
import { type KeyValues, formatTransferId, parseDecimal, parseKeyValues, parseTransferId } from './key-values.ts';
import { MAX_UDP_PAYLOAD_BYTES } from './transfer-datagram.ts';

export const MAX_CONTROL_LINE_BYTES = 512;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;

export interface BeginMessage {
  type: 'begin';
  transferId: number;
  /** The whole file's size. */
  size: number;
  /** The first byte sent; chunk 0 starts here (non-zero resumes a partial file). */
  offset: number;
  /** Payload bytes of every chunk but the last. */
  chunkBytes: number;
  /** Chunks the sender may send before the receiver's first feedback. */
  window: number;
  /** SHA-256 of the whole file, lowercase hex. */
  sha256: string;
  /** A sealed transfer's AES-256-GCM key, 64 lowercase hex digits: only ever sent inside TLS. */
  key?: string;
}

export interface AckMessage {
  type: 'ack';
  transferId: number;
  /** Every chunk before this one was received and handed to the file. */
  next: number;
  /** One past the highest chunk received. */
  high: number;
  /** `missing` lists every hole in [next, listedUpTo); equals `high` unless the list was cut short. */
  listedUpTo: number;
  /** Chunks the receiver can take from `next` on: the sender sends nothing at or past next + window. */
  window: number;
  /** Datagrams received so far, duplicates included. */
  received: number;
  /** The highest packet number received, and how long before this line it arrived (µs). */
  largestPacket?: { packetNumber: number; delayUs: number };
  missing: ChunkRange[];
}

export interface DoneMessage {
  type: 'done';
  transferId: number;
  bytes: number;
  sha256: string;
}

export interface ErrorMessage {
  type: 'error';
  transferId: number;
  /** A TransferErrorCode from a peer like us; a newer peer may send codes we do not know. */
  code: string;
  text: string;
}

export type ControlMessage = BeginMessage | AckMessage | DoneMessage | ErrorMessage;

export type ControlParseError = 'LINE_TOO_LONG' | 'NOT_ASCII' | 'UNKNOWN_VERB' | 'BAD_TRANSFER_ID' | 'BAD_FIELD';
export type ControlParse = { ok: true; message: ControlMessage } | { ok: false; error: ControlParseError; detail: string };

/** Whether a line is one of ours (the chat connection routes these to the transfer engine). */
export function isControlLine(line: string): boolean {
  return /^UDP_(?:BEGIN|ACK|DONE|ERROR)(?: |$)/.test(line);
}

export function formatControlLine(message: ControlMessage): string {
  const id = formatTransferId(message.transferId);
  switch (message.type) {
    case 'begin':
      return `UDP_BEGIN ${id} size=${message.size} offset=${message.offset} chunk=${message.chunkBytes} window=${message.window} sha256=${message.sha256}${message.key === undefined ? '' : ` key=${message.key}`}`;
    case 'ack': {
      let line = `UDP_ACK ${id} next=${message.next} high=${message.high}`;
      if (message.listedUpTo !== message.high) line += ` upto=${message.listedUpTo}`;
      line += ` window=${message.window} rx=${message.received}`;
      if (message.largestPacket) line += ` pn=${message.largestPacket.packetNumber} delay=${message.largestPacket.delayUs}`;
      if (message.missing.length > 0) line += ` missing=${formatChunkRanges(message.next, message.missing)}`;
      return line;
    }
    case 'done':
      return `UDP_DONE ${id} bytes=${message.bytes} sha256=${message.sha256}`;
    case 'error': {
      const head = `UDP_ERROR ${id} ${message.code} `;
      return head + asciiText(message.text, MAX_CONTROL_LINE_BYTES - head.length);
    }
  }
}

/** Printable ASCII only, at most `max` characters: what a control line may carry as text. */
function asciiText(text: string, max: number): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? clean.slice(0, Math.max(0, max)) : clean;
}

const fail = (error: ControlParseError, detail: string): ControlParse => ({ ok: false, error, detail });

/** The message on `line` (without its LF), or why it is not a valid control line. Never throws. */
export function parseControlLine(line: string): ControlParse {
  if (line.length > MAX_CONTROL_LINE_BYTES) return fail('LINE_TOO_LONG', `over ${MAX_CONTROL_LINE_BYTES} bytes`);
  if (!/^[\x20-\x7e]*$/.test(line)) return fail('NOT_ASCII', 'control lines are printable ASCII');
  const words = line.split(' ');
  const [verb, idText] = words;
  const transferId = parseTransferId(idText);
  if (!['UDP_BEGIN', 'UDP_ACK', 'UDP_DONE', 'UDP_ERROR'].includes(verb!)) return fail('UNKNOWN_VERB', `${verb}`);
  if (transferId === null) return fail('BAD_TRANSFER_ID', `expected 8 lowercase hex digits, got ${idText}`);
  if (verb === 'UDP_ERROR') return parseError(transferId, words);
  const parsed = parseKeyValues(words.slice(2));
  if (!parsed.ok) return fail('BAD_FIELD', `not key=value: ${parsed.word}`);
  if (verb === 'UDP_BEGIN') return parseBegin(transferId, parsed.values);
  if (verb === 'UDP_ACK') return parseAck(transferId, parsed.values);
  return parseDone(transferId, parsed.values);
}

function parseError(transferId: number, words: string[]): ControlParse {
  const code = words[2] ?? '';
  if (!ERROR_CODE.test(code)) return fail('BAD_FIELD', `bad error code ${code}`);
  return { ok: true, message: { type: 'error', transferId, code, text: words.slice(3).join(' ') } };
}

function parseBegin(transferId: number, values: KeyValues): ControlParse {
  const size = parseDecimal(values.get('size'));
  const offset = parseDecimal(values.get('offset'));
  const chunkBytes = parseDecimal(values.get('chunk'));
  const window = parseDecimal(values.get('window'));
  const sha256 = values.get('sha256') ?? '';
  if (size === null || offset === null || chunkBytes === null || window === null) {
    return fail('BAD_FIELD', 'UDP_BEGIN needs size, offset, chunk and window as decimal numbers');
  }
  if (offset > size) return fail('BAD_FIELD', 'offset past the end of the file');
  if (chunkBytes < 1 || chunkBytes > MAX_UDP_PAYLOAD_BYTES) return fail('BAD_FIELD', `chunk must be 1..${MAX_UDP_PAYLOAD_BYTES}`);
  if (window < 1) return fail('BAD_FIELD', 'window must be at least 1');
  if (!SHA256_HEX.test(sha256)) return fail('BAD_FIELD', 'sha256 must be 64 lowercase hex digits');
  const key = values.get('key');
  if (key !== undefined && !SHA256_HEX.test(key)) return fail('BAD_FIELD', 'key must be 64 lowercase hex digits');
  return { ok: true, message: { type: 'begin', transferId, size, offset, chunkBytes, window, sha256, ...(key !== undefined && { key }) } };
}

function parseAck(transferId: number, values: KeyValues): ControlParse {
  const next = parseDecimal(values.get('next'));
  const high = parseDecimal(values.get('high'));
  const window = parseDecimal(values.get('window'));
  const received = parseDecimal(values.get('rx'));
  const listedUpTo = values.has('upto') ? parseDecimal(values.get('upto')) : high;
  if (next === null || high === null || window === null || received === null || listedUpTo === null) {
    return fail('BAD_FIELD', 'UDP_ACK needs next, high, window and rx as decimal numbers');
  }
  if (high < next || listedUpTo < next || listedUpTo > high) return fail('BAD_FIELD', 'next ≤ upto ≤ high does not hold');
  const packetNumber = parseDecimal(values.get('pn'));
  const delayUs = parseDecimal(values.get('delay'));
  if ((packetNumber === null) !== (delayUs === null) || values.has('pn') !== (packetNumber !== null) || values.has('delay') !== (delayUs !== null)) {
    return fail('BAD_FIELD', 'pn and delay come together, as decimal numbers');
  }
  const missing = parseChunkRanges(values.get('missing') ?? '', next);
  if (missing === null) return fail('BAD_FIELD', 'missing is not an ascending list of offsets and ranges');
  if (missing.length > 0 && missing[missing.length - 1]!.end > listedUpTo) return fail('BAD_FIELD', 'a missing range reaches past upto');
  const largestPacket = packetNumber === null ? undefined : { packetNumber, delayUs: delayUs! };
  return { ok: true, message: { type: 'ack', transferId, next, high, listedUpTo, window, received, largestPacket, missing } };
}

function parseDone(transferId: number, values: KeyValues): ControlParse {
  const bytes = parseDecimal(values.get('bytes'));
  const sha256 = values.get('sha256') ?? '';
  if (bytes === null || !SHA256_HEX.test(sha256)) return fail('BAD_FIELD', 'UDP_DONE needs bytes and a sha256');
  return { ok: true, message: { type: 'done', transferId, bytes, sha256 } };
}
