// The echo wire format as pure byte functions. docs/PROTOCOL.md "Echo" is the reference.
//
// A reply is `<timestamp>:<data>`: the ASCII timestamp, one ':' and then the received bytes
// exactly as they came — never decoded and re-encoded, so binary data and invalid UTF-8 survive.
// The timestamp is Unix time in seconds with exactly six decimals (microseconds), e.g.
// `1700000000.123456`: always digits, one '.', six digits — never an exponent or a sign.

/** A chunk, line or datagram whose first byte is this is the client's goodbye: never echoed. */
export const GOODBYE_BYTE = 0xff;

/** The largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes). */
export const MAX_UDP_PAYLOAD = 65_507;

const COLON = 0x3a;
const DOT = 0x2e;
const LF = 0x0a;
/** Digits before the '.'; 16 covers every time a double can hold to the microsecond. */
const MAX_SECONDS_DIGITS = 16;
const FRACTION_DIGITS = 6;
/** The longest header: seconds, '.', fraction, ':'. */
export const MAX_HEADER_BYTES = MAX_SECONDS_DIGITS + 1 + FRACTION_DIGITS + 1;

/** `epochMs` (milliseconds since 1970, fractional) as seconds with six decimals. */
export function formatTimestamp(epochMs: number): string {
  // Integer microseconds are exact in a double until the year 2255, so no rounding noise
  // reaches the last digit the way `(ms / 1000).toFixed(6)` can.
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${seconds}.${String(fraction).padStart(FRACTION_DIGITS, '0')}`;
}

/** `<timestamp>:<data>` as one buffer, so the reply leaves in one write. */
export function encodeReply(timestamp: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(timestamp.length + 1 + data.length);
  for (let i = 0; i < timestamp.length; i++) out[i] = timestamp.charCodeAt(i);
  out[timestamp.length] = COLON;
  out.set(data, timestamp.length + 1);
  return out;
}

/**
 * Builds replies for a busy server, byte for byte the same as
 * `encodeReply(formatTimestamp(ms), data)` but cheaper: the seconds' digits are encoded once per
 * second, the six decimals are written as bytes, and small replies are cut from a shared slab
 * instead of each getting a buffer of its own (a fresh small typed array costs more than the
 * rest of the reply put together once a socket needs it off the JS heap).
 */
export class ReplyEncoder {
  private second = -1;
  private secondBytes: Uint8Array = new Uint8Array(0); // "<seconds>."
  private slab: Uint8Array = new Uint8Array(0);
  private used = 0;

  /**
   * `allocateSlab` gives fresh memory for each slab and for each reply too large for one; it may
   * be uninitialised: every byte handed out is written first.
   */
  constructor(private readonly allocateSlab: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes)) {}

  encode(epochMs: number, data: Uint8Array): Uint8Array {
    const micros = Math.round(epochMs * 1000);
    const second = Math.floor(micros / 1_000_000);
    let fraction = micros - second * 1_000_000;
    if (second !== this.second) {
      this.second = second;
      this.secondBytes = Uint8Array.from(`${second}.`, (char) => char.charCodeAt(0));
    }
    const prefix = this.secondBytes.length;
    const out = this.allocate(prefix + FRACTION_DIGITS + 1 + data.length);
    out.set(this.secondBytes);
    for (let at = prefix + FRACTION_DIGITS - 1; at >= prefix; at--) {
      out[at] = 0x30 + (fraction % 10);
      fraction = Math.floor(fraction / 10);
    }
    out[prefix + FRACTION_DIGITS] = COLON;
    out.set(data, prefix + FRACTION_DIGITS + 1);
    return out;
  }

  private allocate(size: number): Uint8Array {
    if (size > MAX_SLAB_PIECE) return this.allocateSlab(size);
    if (this.used + size > this.slab.length) {
      // Pieces handed out keep the old slab alive until they are sent; it is never written again.
      this.slab = this.allocateSlab(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + size);
    this.used += (size + 7) & ~7;
    return out;
  }
}

/** As Node's Buffer pool: an 8 KiB slab, pieces of up to 1 KiB from it. */
const SLAB_BYTES = 8192;
const MAX_SLAB_PIECE = 1024;

export type HeaderParse = { timestamp: string; end: number } | 'incomplete' | 'invalid';

/**
 * The `<timestamp>:` header at `offset` in `bytes`. 'incomplete' when the bytes end before the
 * header could be told valid or not; `end` is the offset just past the ':'.
 */
export function parseReplyHeader(bytes: Uint8Array, offset = 0): HeaderParse {
  let i = offset;
  while (i < bytes.length && isDigit(bytes[i]!)) i++;
  const digits = i - offset;
  if (digits > MAX_SECONDS_DIGITS) return 'invalid';
  if (i === bytes.length) return 'incomplete';
  if (digits === 0 || bytes[i] !== DOT) return 'invalid';
  const fractionStart = ++i;
  while (i < bytes.length && i - fractionStart < FRACTION_DIGITS) {
    if (!isDigit(bytes[i]!)) return 'invalid';
    i++;
  }
  if (i === bytes.length) return 'incomplete';
  if (bytes[i] !== COLON) return 'invalid';
  return { timestamp: String.fromCharCode(...bytes.subarray(offset, i)), end: i + 1 };
}

/** A whole reply (a datagram, or a line without its LF): its timestamp and data, or null. */
export function parseReply(bytes: Uint8Array): { timestamp: string; data: Uint8Array } | null {
  const header = parseReplyHeader(bytes);
  if (typeof header === 'string') return null;
  return { timestamp: header.timestamp, data: bytes.subarray(header.end) };
}

const REPLY_LINE = /^(\d{1,16}\.\d{6}):/;

/** A reply line from a `--lines` server (without its LF): its timestamp and text, or null. */
export function parseReplyLine(line: string): { timestamp: string; text: string } | null {
  const match = REPLY_LINE.exec(line);
  if (!match) return null;
  return { timestamp: match[1]!, text: line.slice(match[0].length) };
}

/**
 * Where a `--lines` goodbye begins in `chunk`: the index of a 0xFF that starts a line, or -1.
 * Checked on the raw bytes, because decoding turns 0xFF into U+FFFD like any invalid byte.
 * `atLineStart` says whether the previous chunk ended with LF (or nothing came before).
 */
export function findGoodbyeLine(chunk: Uint8Array, atLineStart: boolean): number {
  if (chunk.length === 0) return -1;
  if (atLineStart && chunk[0] === GOODBYE_BYTE) return 0;
  let i = chunk.indexOf(GOODBYE_BYTE, 1);
  while (i !== -1) {
    if (chunk[i - 1] === LF) return i;
    i = chunk.indexOf(GOODBYE_BYTE, i + 1);
  }
  return -1;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
