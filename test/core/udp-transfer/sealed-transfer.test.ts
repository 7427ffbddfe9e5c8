// Sealed UDP transfers on real sockets: the file arrives exact while forged, altered, plain and
// replayed datagrams are sprayed at the receiver; nothing of the file crosses the wire readable;
// and a sealed transfer is refused on a control channel outside TLS (its key would be readable).
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSealedDatagram, sealDatagram } from '../../../src/core/udp-transfer/datagram-seal.ts';
import { resolveUdpTransferLimits } from '../../../src/core/udp-transfer/transfer-limits.ts';
import { DATAGRAM_HEADER_BYTES, encodeDatagram } from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import { memoryControlPair } from '../../helpers/udp-control-channels.ts';
import { partialPathOf } from '../../helpers/udp-transfer-files.ts';
import { cleanUp, nextLine, onCleanUp, receiverSocket, runtime, senderSide, transfer } from '../../helpers/udp-transfer-fixtures.ts';

afterEach(cleanUp);

const TRANSFER_ID = 0x5ea1ed00;

describe('sealed datagrams', () => {
  it('open only with their key, header and nonce intact', () => {
    const aead = runtime.aes256Gcm(runtime.randomBytes(32));
    const plain = encodeDatagram({ transferId: 7, chunkIndex: 3, packetNumber: 9 }, new TextEncoder().encode('chunk'));
    const sealed = sealDatagram(aead, plain);
    expect(sealed[4]).toBe(1);
    expect(sealed).toHaveLength(plain.length + 16);
    expect(Buffer.from(sealed).includes(Buffer.from('chunk'))).toBe(false);
    expect(openSealedDatagram(aead, sealed)).toEqual(plain);
    for (const at of [8, 12, 16, DATAGRAM_HEADER_BYTES, sealed.length - 1]) {
      const altered = Uint8Array.from(sealed);
      altered[at]! ^= 1;
      expect(openSealedDatagram(aead, altered), `byte ${at} altered`).toBeUndefined();
    }
    expect(openSealedDatagram(aead, plain)).toBeUndefined();
    expect(openSealedDatagram(runtime.aes256Gcm(runtime.randomBytes(32)), sealed)).toBeUndefined();
  });
});

describe('sealed UDP transfers on 127.0.0.1', () => {
  it('deliver the file exact while forged, plain and replayed datagrams are injected; the wire carries no plaintext', async () => {
    const limits = resolveUdpTransferLimits();
    const socket = await receiverSocket(limits);
    const injector = await runtime.bindUdp({ host: '127.0.0.1', port: 0 });
    onCleanUp(() => injector.close());
    const captured: Uint8Array[] = [];
    let injected = 0;
    const inject = () => {
      const original = captured[injected++ % captured.length];
      if (!original) return;
      // A replay of a genuine datagram, the same with one byte of ciphertext flipped, and a plain
      // datagram claiming the same chunk: only the replay opens, and its chunk is already there.
      const altered = Uint8Array.from(original);
      altered[DATAGRAM_HEADER_BYTES + 5]! ^= 0xff;
      const header = original.subarray(0, DATAGRAM_HEADER_BYTES);
      const view = new DataView(header.buffer, header.byteOffset);
      const plain = encodeDatagram({ transferId: TRANSFER_ID, chunkIndex: view.getUint32(12), packetNumber: view.getUint32(16) }, new Uint8Array(original.length - DATAGRAM_HEADER_BYTES - 16));
      for (const datagram of [original, altered, plain]) void injector.send(datagram, socket.address.port, '127.0.0.1');
    };
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) inject();
    }, 1);
    onCleanUp(() => clearInterval(timer));
    const result = await transfer({
      size: 2 * 1024 * 1024 + 11,
      maxDatagramBytes: 1400,
      setup: {
        sealed: true,
        receiverSocket: socket,
        transferId: TRANSFER_ID,
        bindUdp: async (options) => {
          const sending = await runtime.bindUdp(options);
          const send = sending.send.bind(sending);
          sending.send = (data, port, host) => {
            if (captured.length < 64) captured.push(Uint8Array.from(data as Uint8Array));
            return send(data, port, host);
          };
          return sending;
        },
      },
    });
    clearInterval(timer);
    expect(result.receive.status === 'rejected' ? result.receive.reason : 'ok').toBe('ok');
    expect(result.send.status === 'rejected' ? result.send.reason : 'ok').toBe('ok');
    expect(Buffer.compare(readFileSync(result.destinationPath), Buffer.from(result.source.bytes))).toBe(0);
    expect(existsSync(partialPathOf(result.destinationPath))).toBe(false);
    expect(result.control.sender.sent[0]).toMatch(/ key=[0-9a-f]{64}$/);
    if (result.receive.status !== 'fulfilled') return;
    expect(injected).toBeGreaterThan(0);
    expect(result.receive.value.forged).toBeGreaterThan(0);
    expect(result.receive.value.duplicates).toBeGreaterThan(0);
    // The first chunk's bytes appear in no datagram that crossed the wire.
    const firstChunk = Buffer.from(result.source.bytes.subarray(0, 64));
    expect(captured.some((datagram) => Buffer.from(datagram).includes(firstChunk))).toBe(false);
  }, 20_000);

  it('refuse to seal over a control channel outside TLS, where the key would be readable', async () => {
    const { service, file } = await senderSide({});
    const control = memoryControlPair();
    const refused = nextLine(control.receiver, /^UDP_ERROR/);
    const outgoing = await service.send({ control: control.sender, port: 9, options: { transferId: 0x77777777, sealed: true }, file });
    await expect(outgoing.done).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refused).toMatch(/^UDP_ERROR 77777777 BAD_REQUEST sealed UDP transfers need a TLS connection/);
  });
});
