// The one datagram of a UDP file transfer: a fixed 20-byte header, then one chunk of the file.
//
//   0  magic "NCU" and version 1 (4E 43 55 01)
//   4  flags (u8): bit 0 = sealed (payload encrypted, 16-byte AES-GCM tag after it); others 0
//   5  reserved (3 bytes, sent as zero, ignored on receipt)
//   8  transfer id (u32, big-endian)
//  12  chunk index (u32): the chunk's place counted from the transfer's start offset
//  16  packet number (u32): counts every datagram the sender sends, retransmissions included,
//      so feedback naming one is unambiguous; it never repeats within a transfer
//  20  payload: the chunk's bytes (then the tag when sealed)
//
// A sealed datagram's AES-GCM nonce is transfer id ‖ chunk index ‖ packet number (12 bytes,
// unique per datagram: header bytes 8 to 20) and its additional data is the header, flag set.
// `parseDatagram` reads plain datagrams only: a sealed one is opened first (its tag checked),
// and the plain datagram it held is parsed. Parsing never throws: anything short, foreign or
// malformed is a ParseFailure.

export const DATAGRAM_MAGIC = Uint8Array.of(0x4e, 0x43, 0x55, 0x01);
export const DATAGRAM_HEADER_BYTES = 20;
/** Room kept in every datagram for the authentication tag of a sealed one. */
export const AUTH_TAG_BYTES = 16;
export const FLAG_SEALED = 0x01;
/** The largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;
export const MAX_U32 = 0xffff_ffff;

export interface DatagramHeader {
  transferId: number;
  chunkIndex: number;
  packetNumber: number;
}

export interface Datagram extends DatagramHeader {
  /** A view into the datagram's own bytes (not a copy). */
  payload: Uint8Array;
}

export type DatagramParseError = 'TOO_SHORT' | 'BAD_MAGIC' | 'UNSUPPORTED_FLAGS';
export type DatagramParse = ({ ok: true } & Datagram) | { ok: false; error: DatagramParseError };

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_U32;
}

/** Write a header into the first 20 bytes of `into` (which the caller sized for the payload). */
export function writeDatagramHeader(into: Uint8Array, header: DatagramHeader): void {
  if (into.length < DATAGRAM_HEADER_BYTES) throw new RangeError('datagram buffer shorter than its header');
  if (!isU32(header.transferId) || !isU32(header.chunkIndex) || !isU32(header.packetNumber)) {
    throw new RangeError('transfer id, chunk index and packet number must be 32-bit unsigned integers');
  }
  into.set(DATAGRAM_MAGIC, 0);
  into[4] = 0;
  into[5] = 0;
  into[6] = 0;
  into[7] = 0;
  writeU32(into, 8, header.transferId);
  writeU32(into, 12, header.chunkIndex);
  writeU32(into, 16, header.packetNumber);
}

/** One new datagram: header, then a copy of `payload`. */
export function encodeDatagram(header: DatagramHeader, payload: Uint8Array): Uint8Array {
  const datagram = new Uint8Array(DATAGRAM_HEADER_BYTES + payload.length);
  writeDatagramHeader(datagram, header);
  datagram.set(payload, DATAGRAM_HEADER_BYTES);
  return datagram;
}

/** The header and a payload view, or why these bytes are not a datagram of ours. Never throws. */
export function parseDatagram(bytes: Uint8Array): DatagramParse {
  if (bytes.length < DATAGRAM_HEADER_BYTES) return { ok: false, error: 'TOO_SHORT' };
  for (let i = 0; i < DATAGRAM_MAGIC.length; i++) {
    if (bytes[i] !== DATAGRAM_MAGIC[i]) return { ok: false, error: 'BAD_MAGIC' };
  }
  if (bytes[4] !== 0) return { ok: false, error: 'UNSUPPORTED_FLAGS' };
  return {
    ok: true,
    transferId: readU32(bytes, 8),
    chunkIndex: readU32(bytes, 12),
    packetNumber: readU32(bytes, 16),
    payload: bytes.subarray(DATAGRAM_HEADER_BYTES),
  };
}

/** The transfer id a datagram of ours claims, sealed or not (undefined when it is not one of ours). */
export function claimedTransferId(bytes: Uint8Array): number | undefined {
  if (bytes.length < DATAGRAM_HEADER_BYTES) return undefined;
  for (let i = 0; i < DATAGRAM_MAGIC.length; i++) if (bytes[i] !== DATAGRAM_MAGIC[i]) return undefined;
  return readU32(bytes, 8);
}

/** Whether these bytes claim to be a sealed datagram (the claim is proven only by its tag). */
export function isSealedDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= DATAGRAM_HEADER_BYTES + AUTH_TAG_BYTES && bytes[4] === FLAG_SEALED;
}

/** The sealed datagram's nonce: its header's transfer id, chunk index and packet number (a view). */
export function sealedDatagramNonce(datagram: Uint8Array): Uint8Array {
  return datagram.subarray(8, DATAGRAM_HEADER_BYTES);
}

/** Chunk bytes per datagram when datagrams may be `maxDatagramBytes` long (tag room kept). */
export function chunkBytesFor(maxDatagramBytes: number): number {
  return maxDatagramBytes - DATAGRAM_HEADER_BYTES - AUTH_TAG_BYTES;
}
