import { describe, expect, it } from 'vitest';
import { type BeginMessage, MAX_CONTROL_LINE_BYTES, formatControlLine } from '../../../src/protocol/udp-transfer/control-lines.ts';
import { encodeDatagram } from '../../../src/protocol/udp-transfer/transfer-datagram.ts';
import { IDLE_FEEDBACK_MS, type ReceiverOptions, TransferReceiver } from '../../../src/core/udp-transfer/transfer-receiver.ts';
import { seededRandom, testSeed } from '../../helpers/udp-seeded-random.ts';

const ID = 0xabcd0001;
const SHA = 'f'.repeat(64);

function begin(fields: Partial<BeginMessage> = {}): BeginMessage {
  return { type: 'begin', transferId: ID, size: 10_050, offset: 0, chunkBytes: 100, window: 16, sha256: SHA, ...fields };
}

function receiver(fields: Partial<BeginMessage> = {}, options: Partial<ReceiverOptions> = {}): TransferReceiver {
  return new TransferReceiver(begin(fields), { windowChunks: 16, memoryChunks: 16, feedbackIntervalMs: 5, abandonTimeoutMs: 5000, ...options }, 0);
}

/** Chunk `index` of a file whose byte i is (i & 0xff), as a datagram. */
function chunk(index: number, packetNumber = index, fields: Partial<BeginMessage> = {}): Uint8Array {
  const { size, offset, chunkBytes, transferId } = begin(fields);
  const start = offset + index * chunkBytes;
  const payload = Uint8Array.from({ length: Math.min(chunkBytes, size - start) }, (_, i) => (start + i) & 0xff);
  return encodeDatagram({ transferId, chunkIndex: index, packetNumber }, payload);
}

function written(machine: TransferReceiver): number[] {
  const ready = machine.takeReady();
  machine.onWritten(ready.length, 0);
  return ready.map((payload) => (payload[0]! - 0) & 0xff);
}

function acks(machine: TransferReceiver) {
  return machine.drainOutbox().filter((message) => message.type === 'ack');
}

describe('TransferReceiver', () => {
  it('hands out chunks in file order, holding early ones until the gap fills', () => {
    const machine = receiver();
    expect(machine.onDatagram(chunk(0), 1)).toBe('accepted');
    expect(machine.takeReady()).toHaveLength(1);
    machine.onDatagram(chunk(2), 1);
    machine.onDatagram(chunk(3), 1);
    expect(machine.takeReady()).toEqual([]);
    machine.onDatagram(chunk(1), 1);
    const ready = machine.takeReady();
    expect(ready.map((payload) => payload[0])).toEqual([100, 200, 300 & 0xff]);
    expect(machine.next).toBe(4);
  });

  it('counts and drops duplicates, foreign, malformed and out-of-window datagrams', () => {
    const machine = receiver();
    machine.onDatagram(chunk(0), 1);
    machine.onDatagram(chunk(5), 1);
    expect(machine.onDatagram(chunk(0), 1)).toBe('duplicate');
    expect(machine.onDatagram(chunk(5), 1)).toBe('duplicate');
    expect(machine.onDatagram(chunk(1, 1, { transferId: ID + 1 }), 1)).toBe('foreign');
    expect(machine.onDatagram(chunk(1).subarray(0, 50), 1)).toBe('malformed');
    expect(machine.onDatagram(Uint8Array.of(1, 2, 3), 1)).toBe('malformed');
    expect(machine.onDatagram(encodeDatagram({ transferId: ID, chunkIndex: 101, packetNumber: 9 }, new Uint8Array(50)), 1)).toBe('malformed');
    expect(machine.onDatagram(encodeDatagram({ transferId: ID, chunkIndex: 100, packetNumber: 9 }, new Uint8Array(100)), 1)).toBe('malformed');
    expect(machine.stats).toEqual({ received: 4, duplicates: 2, beyondWindow: 0, foreign: 1, malformed: 4 });
  });

  it('takes chunks up to its window edge and not one past it', () => {
    const machine = receiver({ window: 16 }, { windowChunks: 16 });
    expect(machine.onDatagram(chunk(15), 1)).toBe('accepted');
    expect(machine.onDatagram(chunk(16), 1)).toBe('beyond-window');
  });

  it('starts with the sender initial window when it is smaller than its own', () => {
    const machine = receiver({ window: 4 }, { windowChunks: 16 });
    expect(machine.onDatagram(chunk(3), 1)).toBe('accepted');
    expect(machine.onDatagram(chunk(4), 1)).toBe('beyond-window');
  });

  it('reports on its timer, not per datagram, what it holds and what is missing', () => {
    const machine = receiver();
    for (const index of [0, 1, 4, 5, 9]) machine.onDatagram(chunk(index, index + 10), 2);
    written(machine);
    expect(acks(machine)).toEqual([]);
    machine.onTimer(4.9);
    expect(acks(machine)).toEqual([]);
    expect(machine.nextDeadline()).toBe(5);
    machine.onTimer(5);
    const [ack] = acks(machine);
    expect(formatControlLine(ack!)).toBe('UDP_ACK abcd0001 next=2 high=10 window=16 rx=5 pn=19 delay=3000 missing=0-1,4-6');
  });

  it('reports at once, without waiting for its timer, when half its window has been taken', () => {
    const machine = receiver({}, { windowChunks: 16, memoryChunks: 64 });
    for (let index = 0; index < 7; index++) machine.onDatagram(chunk(index), 1);
    expect(acks(machine)).toEqual([]);
    machine.onDatagram(chunk(7), 1);
    expect(acks(machine)).toMatchObject([{ next: 8, window: 16 }]);
    for (let index = 8; index < 15; index++) machine.onDatagram(chunk(index), 1);
    expect(acks(machine)).toEqual([]);
    // The timer's report is due an interval after the update, not at its old time.
    machine.onTimer(5);
    expect(acks(machine)).toEqual([]);
    expect(machine.nextDeadline()).toBe(6);
    machine.onTimer(6);
    expect(acks(machine)).toMatchObject([{ next: 15 }]);
  });

  it('reports nothing new only every so often, so the sender knows it is there', () => {
    const machine = receiver();
    let sent = 0;
    for (let now = 5; now <= 1000; now += 5) {
      machine.onTimer(now);
      sent += acks(machine).length;
    }
    expect(sent).toBe(Math.floor(1000 / IDLE_FEEDBACK_MS));
  });

  it('cuts the missing list to fit the line and says where it stopped', () => {
    const machine = receiver({ size: 1_000_000, window: 5000 }, { windowChunks: 5000, memoryChunks: 5000 });
    for (let index = 1; index < 4000; index += 2) machine.onDatagram(chunk(index, index, { size: 1_000_000 }), 1);
    machine.onTimer(5);
    const [ack] = acks(machine);
    const line = formatControlLine(ack!);
    expect(line.length).toBeLessThanOrEqual(MAX_CONTROL_LINE_BYTES);
    expect(ack!.listedUpTo).toBeLessThan(ack!.high);
    expect(ack!.missing.at(-1)!.end).toBeLessThanOrEqual(ack!.listedUpTo);
    // Everything up to `upto` is described: the holes are exactly the even chunks.
    expect(ack!.missing.every((range) => range.start % 2 === 0 && range.end === range.start + 1)).toBe(true);
    expect(ack!.missing).toHaveLength(ack!.listedUpTo / 2);
  });

  it('shrinks its window by chunks not yet written, and never moves the edge back', () => {
    const machine = receiver({}, { windowChunks: 16, memoryChunks: 20 });
    for (let index = 0; index < 10; index++) machine.onDatagram(chunk(index), 1);
    acks(machine); // the window update half way, at 1
    machine.onTimer(6);
    // 10 chunks wait to be written: 20 - 10 in memory, under the 16 the socket buffer allows.
    expect(acks(machine)[0]).toMatchObject({ next: 10, window: 10 });
    const ready = machine.takeReady();
    machine.onWritten(2, 7);
    machine.onTimer(11);
    expect(acks(machine)[0]).toMatchObject({ next: 10, window: 12 });
    machine.onWritten(ready.length - 2, 12);
    machine.onTimer(16);
    expect(acks(machine)[0]).toMatchObject({ next: 10, window: 16 });
  });

  it('counts early chunks inside its window, not against it', () => {
    const machine = receiver({}, { windowChunks: 16, memoryChunks: 16 });
    for (const index of [3, 4, 5]) machine.onDatagram(chunk(index), 1);
    machine.onTimer(5);
    expect(acks(machine)[0]).toMatchObject({ next: 0, high: 6, window: 16 });
  });

  it('waits for the hash after the last chunk is written, then says UDP_DONE once stored', () => {
    const machine = receiver({ size: 250 });
    for (const index of [2, 0, 1]) machine.onDatagram(chunk(index, index, { size: 250 }), 1);
    expect(machine.awaitingDigest).toBe(false);
    written(machine);
    expect(machine.awaitingDigest).toBe(true);
    expect(machine.verify(SHA)).toBe(true);
    machine.stored();
    expect(machine.state).toBe('done');
    expect(machine.drainOutbox()).toEqual([{ type: 'done', transferId: ID, bytes: 250, sha256: SHA }]);
  });

  it('refuses a wrong hash with HASH_MISMATCH', () => {
    const machine = receiver({ size: 100 });
    machine.onDatagram(chunk(0, 0, { size: 100 }), 1);
    written(machine);
    expect(machine.verify('0'.repeat(64))).toBe(false);
    expect(machine.error?.code).toBe('HASH_MISMATCH');
    expect(machine.drainOutbox()).toMatchObject([{ type: 'error', code: 'HASH_MISMATCH' }]);
  });

  it('needs nothing for an empty file or a fully resumed one', () => {
    expect(receiver({ size: 0 }).awaitingDigest).toBe(true);
    expect(receiver({ size: 500, offset: 500 }).awaitingDigest).toBe(true);
  });

  it('numbers chunks from the resume offset', () => {
    const machine = receiver({ size: 450, offset: 300 });
    expect(machine.layout.count).toBe(2);
    machine.onDatagram(chunk(1, 1, { size: 450, offset: 300 }), 1);
    machine.onDatagram(chunk(0, 0, { size: 450, offset: 300 }), 1);
    expect(machine.takeReady().map((payload) => payload.length)).toEqual([100, 50]);
  });

  it('gives up with DATA_TIMEOUT after the abandon timeout without a datagram', () => {
    const machine = receiver({}, { abandonTimeoutMs: 1000 });
    machine.onDatagram(chunk(0), 100);
    written(machine);
    machine.onTimer(1099);
    expect(machine.state).toBe('receiving');
    machine.onTimer(1100);
    expect(machine.error?.code).toBe('DATA_TIMEOUT');
    expect(machine.drainOutbox().at(-1)).toMatchObject({ type: 'error', code: 'DATA_TIMEOUT' });
  });

  it('does not time out while its own writes are pending', () => {
    const machine = receiver({}, { abandonTimeoutMs: 1000 });
    machine.onDatagram(chunk(0), 100);
    machine.takeReady();
    expect(machine.nextDeadline()).toBeLessThan(200);
    machine.onTimer(5000);
    expect(machine.state).toBe('receiving');
    expect(machine.nextDeadline()).toBeGreaterThan(5000);
  });

  it('ends quietly when the sender reports an error', () => {
    const machine = receiver();
    machine.onControl({ type: 'error', transferId: ID, code: 'READ_FAILED', text: 'gone' });
    expect(machine.error).toMatchObject({ code: 'READ_FAILED', fromPeer: true });
    expect(machine.drainOutbox()).toEqual([]);
  });

  // A datagram whose id, chunk index and length are right but whose bytes are not (a forgery or
  // a corruption UDP's checksum missed) cannot be told apart here: the SHA-256 check at the end
  // refuses the file (see the simulation tests). Here: never throw, and nothing that is damaged
  // in its magic, flags or length is taken.
  it('never throws on random or mutated datagrams, and hands out only true chunks', () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const machine = receiver({ size: 100_000, window: 64 }, { windowChunks: 64, memoryChunks: 64 });
    for (let i = 0; i < 20_000; i++) {
      const index = Math.floor(random() * 80);
      const datagram = chunk(index, i, { size: 100_000 });
      const kind = random();
      if (kind < 0.3) {
        const at = Math.floor(random() * 5);
        datagram[at] = (datagram[at]! + 1 + Math.floor(random() * 255)) & 0xff;
        expect(machine.onDatagram(datagram, i), `seed ${seed}`).toBe('malformed');
      } else if (kind < 0.5) {
        machine.onDatagram(datagram.subarray(0, Math.floor(random() * datagram.length)), i);
      } else if (kind < 0.6) {
        const garbage = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
        expect(machine.onDatagram(garbage, i), `seed ${seed}`).toBe('malformed');
      } else {
        machine.onDatagram(datagram, i);
      }
      const ready = machine.takeReady();
      const firstIndex = machine.next - ready.length;
      ready.forEach((payload, k) => expect(payload[0], `seed ${seed}`).toBe(((firstIndex + k) * 100) & 0xff));
      machine.onWritten(ready.length, i);
      if (i % 50 === 0) machine.onTimer(i);
    }
    expect(machine.next, `seed ${seed}`).toBeGreaterThan(0);
  });
});
