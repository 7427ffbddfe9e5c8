// Sealed transfer datagrams: the chunk encrypted and authenticated with the transfer's key
// (AES-256-GCM), the header in the clear but covered by the tag, the nonce taken from the header
// (transfer id, chunk index, packet number: never repeated within a transfer). A datagram that
// does not open is forged or damaged and is dropped before the receiver's machine sees it; a
// replayed one opens but carries a chunk the receiver already has, and is dropped as a duplicate.
import { DATAGRAM_HEADER_BYTES, FLAG_SEALED, isSealedDatagram, sealedDatagramNonce } from '../../protocol/udp-transfer/transfer-datagram.ts';
import type { Aead } from '../../runtime/types.ts';

/** Seal the plain datagram `plain` (header then chunk): a new array, header flagged, tag after. */
export function sealDatagram(aead: Aead, plain: Uint8Array): Uint8Array {
  const header = Uint8Array.from(plain.subarray(0, DATAGRAM_HEADER_BYTES));
  header[4] = FLAG_SEALED;
  const sealed = aead.seal(sealedDatagramNonce(header), header, plain.subarray(DATAGRAM_HEADER_BYTES));
  const datagram = new Uint8Array(DATAGRAM_HEADER_BYTES + sealed.length);
  datagram.set(header, 0);
  datagram.set(sealed, DATAGRAM_HEADER_BYTES);
  return datagram;
}

/** The plain datagram a sealed one holds, or undefined when it is not sealed or does not open. */
export function openSealedDatagram(aead: Aead, bytes: Uint8Array): Uint8Array | undefined {
  if (!isSealedDatagram(bytes)) return undefined;
  const header = bytes.subarray(0, DATAGRAM_HEADER_BYTES);
  const chunk = aead.open(sealedDatagramNonce(header), header, bytes.subarray(DATAGRAM_HEADER_BYTES));
  if (!chunk) return undefined;
  const plain = new Uint8Array(DATAGRAM_HEADER_BYTES + chunk.length);
  plain.set(header, 0);
  plain[4] = 0;
  plain.set(chunk, DATAGRAM_HEADER_BYTES);
  return plain;
}

/** A transfer's key as UDP_BEGIN carries it, and back. */
export const keyToHex = (key: Uint8Array) => Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('');
export function keyFromHex(hex: string): Uint8Array {
  const key = new Uint8Array(hex.length / 2);
  for (let i = 0; i < key.length; i++) key[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return key;
}
