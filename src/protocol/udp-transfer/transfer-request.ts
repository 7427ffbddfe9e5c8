// The options a receiver may put after `DOWNLOAD_UDP <file> <udpPort>` on the chat connection:
//
//   id=<8 hex>        the transfer id to use (so the receiver can tell its transfers apart)
//   offset=<bytes>    resume: send from this byte on (the receiver holds the bytes before it)
//   datagram=<bytes>  the largest datagram the receiver wants (the sender may pick smaller)
//   seal=1            encrypt and authenticate the datagrams (asked only over TLS)
//
// All are optional: `DOWNLOAD_UDP report.csv 5000` from `nc` works, with a sender-chosen id.
// Parsing never throws.
import { formatTransferId, parseDecimal, parseKeyValues, parseTransferId } from './key-values.ts';
import { DATAGRAM_HEADER_BYTES, MAX_UDP_PAYLOAD_BYTES } from './transfer-datagram.ts';

/** The smallest datagram worth sending: a header and a few bytes of chunk. */
export const MIN_DATAGRAM_BYTES = DATAGRAM_HEADER_BYTES + 64;

export interface TransferRequestOptions {
  transferId?: number;
  offset?: number;
  maxDatagramBytes?: number;
  /** Sealed datagrams (AES-256-GCM with a key sent in UDP_BEGIN): only over a TLS control channel. */
  sealed?: boolean;
}

export function formatTransferRequestOptions(options: TransferRequestOptions): string {
  const words: string[] = [];
  if (options.transferId !== undefined) words.push(`id=${formatTransferId(options.transferId)}`);
  if (options.offset !== undefined) words.push(`offset=${options.offset}`);
  if (options.maxDatagramBytes !== undefined) words.push(`datagram=${options.maxDatagramBytes}`);
  if (options.sealed) words.push('seal=1');
  return words.join(' ');
}

/** The options in `words` (the request line's words after the port), or what is wrong with them. */
export function parseTransferRequestOptions(
  words: readonly string[],
): { ok: true; options: TransferRequestOptions } | { ok: false; detail: string } {
  const parsed = parseKeyValues(words.filter((word) => word !== ''));
  if (!parsed.ok) return { ok: false, detail: `not key=value: ${parsed.word}` };
  const { values } = parsed;
  const options: TransferRequestOptions = {};
  if (values.has('id')) {
    const id = parseTransferId(values.get('id'));
    if (id === null) return { ok: false, detail: 'id must be 8 lowercase hex digits' };
    options.transferId = id;
  }
  if (values.has('offset')) {
    const offset = parseDecimal(values.get('offset'));
    if (offset === null) return { ok: false, detail: 'offset must be a decimal byte count' };
    options.offset = offset;
  }
  if (values.has('datagram')) {
    const datagram = parseDecimal(values.get('datagram'));
    if (datagram === null || datagram < MIN_DATAGRAM_BYTES || datagram > MAX_UDP_PAYLOAD_BYTES) {
      return { ok: false, detail: `datagram must be ${MIN_DATAGRAM_BYTES}..${MAX_UDP_PAYLOAD_BYTES}` };
    }
    options.maxDatagramBytes = datagram;
  }
  if (values.has('seal')) {
    const seal = values.get('seal');
    if (seal !== '0' && seal !== '1') return { ok: false, detail: 'seal must be 0 or 1' };
    if (seal === '1') options.sealed = true;
  }
  return { ok: true, options };
}
