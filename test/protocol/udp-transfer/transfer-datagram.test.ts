import { describe, expect, it } from 'vitest';
import {
  AUTH_TAG_BYTES,
  DATAGRAM_HEADER_BYTES,
  MAX_U32,
  MAX_UDP_PAYLOAD_BYTES,
  chunkBytesFor,
  encodeDatagram,
  parseDatagram,
  writeDatagramHeader,
} from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import { seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';

const header = { transferId: 0x01020304, chunkIndex: 0x0a0b0c0d, packetNumber: 0xfffffffe };

describe('datagram format', () => {
  it('is magic, flags, reserved, id, chunk, packet number, payload', () => {
    const datagram = encodeDatagram(header, Uint8Array.of(0xaa, 0xbb));
    expect([...datagram]).toEqual([
      0x4e, 0x43, 0x55, 0x01, 0, 0, 0, 0, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0xff, 0xff, 0xff, 0xfe, 0xaa, 0xbb,
    ]);
    expect(DATAGRAM_HEADER_BYTES).toBe(20);
  });

  it('parses back what it wrote, the payload as a view of the datagram', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const datagram = encodeDatagram(header, payload);
    const parsed = parseDatagram(datagram);
    expect(parsed).toMatchObject({ ok: true, ...header });
    if (!parsed.ok) return;
    expect([...parsed.payload]).toEqual([...payload]);
    expect(parsed.payload.buffer).toBe(datagram.buffer);
  });

  it('carries 0 and 2^32-1 in every field, and an empty payload', () => {
    for (const value of [0, MAX_U32]) {
      const fields = { transferId: value, chunkIndex: value, packetNumber: value };
      expect(parseDatagram(encodeDatagram(fields, new Uint8Array(0)))).toMatchObject({ ok: true, ...fields, payload: new Uint8Array(0) });
    }
  });

  it('refuses to write fields that are not 32-bit unsigned integers (a caller bug, not input)', () => {
    for (const bad of [-1, MAX_U32 + 1, 1.5, Number.NaN]) {
      expect(() => encodeDatagram({ ...header, chunkIndex: bad }, new Uint8Array(1))).toThrow(RangeError);
    }
    expect(() => writeDatagramHeader(new Uint8Array(19), header)).toThrow(RangeError);
  });

  it('is too short below 20 bytes, at every length', () => {
    const datagram = encodeDatagram(header, new Uint8Array(0));
    for (let length = 0; length < DATAGRAM_HEADER_BYTES; length++) {
      expect(parseDatagram(datagram.subarray(0, length))).toEqual({ ok: false, error: 'TOO_SHORT' });
    }
  });

  it('rejects another magic or version, byte by byte', () => {
    for (let at = 0; at < 4; at++) {
      const datagram = encodeDatagram(header, Uint8Array.of(1));
      datagram[at]! ^= 0x20;
      expect(parseDatagram(datagram)).toEqual({ ok: false, error: 'BAD_MAGIC' });
    }
  });

  it('rejects sealed (encrypted) datagrams and unknown flags, and ignores the reserved bytes', () => {
    for (const flags of [0x01, 0x02, 0x80]) {
      const datagram = encodeDatagram(header, Uint8Array.of(1));
      datagram[4] = flags;
      expect(parseDatagram(datagram)).toEqual({ ok: false, error: 'UNSUPPORTED_FLAGS' });
    }
    const datagram = encodeDatagram(header, Uint8Array.of(1));
    datagram.set([9, 9, 9], 5);
    expect(parseDatagram(datagram)).toMatchObject({ ok: true, ...header });
  });

  it('keeps room for an authentication tag in every chunk size', () => {
    expect(chunkBytesFor(1400)).toBe(1400 - DATAGRAM_HEADER_BYTES - AUTH_TAG_BYTES);
    expect(chunkBytesFor(MAX_UDP_PAYLOAD_BYTES) + DATAGRAM_HEADER_BYTES + AUTH_TAG_BYTES).toBe(MAX_UDP_PAYLOAD_BYTES);
  });

  it('never throws on random or mutated bytes', () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const valid = encodeDatagram(header, new Uint8Array(64));
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256));
      } else {
        bytes = valid.slice(0, Math.floor(random() * (valid.length + 1)));
        for (let flips = Math.floor(random() * 4); flips > 0 && bytes.length > 0; flips--) {
          bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        }
      }
      const parsed = parseDatagram(bytes);
      if (parsed.ok) expect(parsed.payload.length, `seed ${seed}`).toBe(bytes.length - DATAGRAM_HEADER_BYTES);
    }
  });
});
