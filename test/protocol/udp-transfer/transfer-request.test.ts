import { describe, expect, it } from 'vitest';
import { MAX_UDP_PAYLOAD_BYTES } from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import {
  MIN_DATAGRAM_BYTES,
  formatTransferRequestOptions,
  parseTransferRequestOptions,
} from '../../../src/protocol/udp-transfer/transfer-request.ts';

const words = (text: string) => text.split(' ');

describe('DOWNLOAD_UDP request options', () => {
  it('round-trip id, offset and datagram size', () => {
    const options = { transferId: 0xdeadbeef, offset: 1_000_000, maxDatagramBytes: 1400 };
    const text = formatTransferRequestOptions(options);
    expect(text).toBe('id=deadbeef offset=1000000 datagram=1400');
    expect(parseTransferRequestOptions(words(text))).toEqual({ ok: true, options });
  });

  it('are all optional (a plain `DOWNLOAD_UDP file port` from nc)', () => {
    expect(formatTransferRequestOptions({})).toBe('');
    expect(parseTransferRequestOptions([])).toEqual({ ok: true, options: {} });
    expect(parseTransferRequestOptions([''])).toEqual({ ok: true, options: {} });
  });

  it('accept any order and ignore unknown keys', () => {
    expect(parseTransferRequestOptions(words('future=1 offset=5 id=00000001'))).toEqual({ ok: true, options: { offset: 5, transferId: 1 } });
  });

  it('take the datagram size at its limits and refuse one past them', () => {
    for (const ok of [MIN_DATAGRAM_BYTES, MAX_UDP_PAYLOAD_BYTES]) {
      expect(parseTransferRequestOptions([`datagram=${ok}`])).toEqual({ ok: true, options: { maxDatagramBytes: ok } });
    }
    for (const bad of [MIN_DATAGRAM_BYTES - 1, MAX_UDP_PAYLOAD_BYTES + 1]) {
      expect(parseTransferRequestOptions([`datagram=${bad}`]).ok).toBe(false);
    }
  });

  it('ask for sealed datagrams with seal=1, and say nothing of it otherwise', () => {
    expect(formatTransferRequestOptions({ transferId: 1, sealed: true })).toBe('id=00000001 seal=1');
    expect(formatTransferRequestOptions({ transferId: 1, sealed: false })).toBe('id=00000001');
    expect(parseTransferRequestOptions(['seal=1'])).toEqual({ ok: true, options: { sealed: true } });
    expect(parseTransferRequestOptions(['seal=0'])).toEqual({ ok: true, options: {} });
    expect(parseTransferRequestOptions(['seal=yes']).ok).toBe(false);
  });

  it.each(['id=xyz', 'id=1234567', 'id=DEADBEEF', 'offset=-1', 'offset=01', 'offset=1e3', 'datagram=', 'offset', 'offset=1 offset=2', '=1'])(
    'refuse %j',
    (text) => {
      expect(parseTransferRequestOptions(words(text)).ok).toBe(false);
    },
  );
});
