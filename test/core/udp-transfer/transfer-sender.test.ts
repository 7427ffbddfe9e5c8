import { describe, expect, it } from 'vitest';
import type { AckMessage } from '../../../src/protocol/udp-transfer/control-lines.ts';
import { type SenderOptions, TransferSender } from '../../../src/core/udp-transfer/transfer-sender.ts';

const ID = 0x1234;
const SHA = '0'.repeat(64);

function sender(overrides: Partial<SenderOptions> = {}, now = 0): TransferSender {
  return new TransferSender(
    {
      transferId: ID,
      size: 100 * 1000,
      offset: 0,
      chunkBytes: 1000,
      sha256: SHA,
      initialWindowChunks: 8,
      maxWindowChunks: 64,
      feedbackIntervalMs: 5,
      abandonTimeoutMs: 5000,
      unreachableTimeoutMs: 3000,
      ...overrides,
    },
    now,
  );
}

/** Everything the sender sends at `now`, until it waits or idles. */
function sendAll(machine: TransferSender, now: number, loadedBelow?: number) {
  const sent: Array<{ chunkIndex: number; packetNumber: number; retransmission: boolean }> = [];
  for (;;) {
    const action = machine.nextAction(now, loadedBelow);
    if (action.type !== 'send') return { sent, last: action };
    sent.push(action);
  }
}

function ack(fields: Partial<AckMessage>): AckMessage {
  const next = fields.next ?? 0;
  const high = fields.high ?? next;
  return {
    type: 'ack',
    transferId: ID,
    next,
    high,
    listedUpTo: fields.listedUpTo ?? high,
    window: 64,
    received: 1,
    missing: [],
    ...fields,
  };
}

describe('TransferSender', () => {
  it('announces the transfer first', () => {
    const machine = sender();
    expect(machine.drainOutbox()).toEqual([
      { type: 'begin', transferId: ID, size: 100_000, offset: 0, chunkBytes: 1000, window: 8, sha256: SHA },
    ]);
  });

  it('sends the initial window, in order with packet numbers from 0, then waits for feedback', () => {
    const machine = sender();
    const { sent, last } = sendAll(machine, 0);
    expect(sent.map((s) => [s.chunkIndex, s.packetNumber])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, i]));
    expect(last).toEqual({ type: 'idle' });
  });

  it('sends no chunk the driver has not loaded yet', () => {
    const machine = sender();
    expect(sendAll(machine, 0, 3).sent).toHaveLength(3);
    expect(sendAll(machine, 0, 5).sent.map((s) => s.chunkIndex)).toEqual([3, 4]);
  });

  it('sends up to the receiver window edge and not one chunk past it', () => {
    const machine = sender({ initialWindowChunks: 64 });
    sendAll(machine, 0, 0);
    machine.onControl(ack({ next: 0, window: 10, received: 0 }), 1);
    const { sent } = sendAll(machine, 1);
    expect(sent.map((s) => s.chunkIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    machine.onControl(ack({ next: 1, high: 1, window: 10, largestPacket: { packetNumber: 0, delayUs: 0 } }), 2);
    expect(sendAll(machine, 2).sent.map((s) => s.chunkIndex)).toEqual([10]);
  });

  it('takes a missing chunk as lost once a packet sent 3 later arrived, not 2', () => {
    const machine = sender();
    sendAll(machine, 0);
    // Chunk 0 missing; packets up to 2 arrived: not yet lost (could be reordering).
    machine.onControl(ack({ next: 0, high: 3, missing: [{ start: 0, end: 1 }], largestPacket: { packetNumber: 2, delayUs: 0 } }), 0.1);
    expect(sendAll(machine, 0.1).sent.filter((s) => s.retransmission)).toEqual([]);
    machine.onControl(ack({ next: 0, high: 4, missing: [{ start: 0, end: 1 }], largestPacket: { packetNumber: 3, delayUs: 0 } }), 0.2);
    const resent = sendAll(machine, 0.2).sent.filter((s) => s.retransmission);
    expect(resent.map((s) => s.chunkIndex)).toEqual([0]);
    expect(resent[0]!.packetNumber).toBeGreaterThan(7);
  });

  it('takes a missing chunk as lost after 9/8 of a round trip when a later packet arrived', () => {
    const machine = sender();
    sendAll(machine, 0);
    machine.onControl(ack({ next: 0, high: 2, missing: [{ start: 0, end: 1 }], largestPacket: { packetNumber: 1, delayUs: 0 } }), 10);
    expect(sendAll(machine, 10).sent.some((s) => s.retransmission)).toBe(false);
    // RTT sample ≈ 10 ms: 9/8 of it after the send, the same report means lost.
    machine.onControl(ack({ next: 0, high: 2, missing: [{ start: 0, end: 1 }], largestPacket: { packetNumber: 1, delayUs: 0 } }), 11.25);
    expect(sendAll(machine, 11.25).sent.filter((s) => s.retransmission).map((s) => s.chunkIndex)).toEqual([0]);
  });

  it('resends lost tail chunks after the probe timeout, when no feedback can tell', () => {
    const machine = sender({ size: 3000, initialWindowChunks: 8 });
    sendAll(machine, 0);
    machine.onControl(ack({ next: 1, high: 1, largestPacket: { packetNumber: 0, delayUs: 0 } }), 2);
    expect(sendAll(machine, 2).sent).toEqual([]);
    const deadline = machine.nextDeadline();
    expect(deadline).toBeGreaterThan(2);
    expect(deadline).toBeLessThan(100);
    let now = 2;
    while (!sendAll(machine, now).sent.length && now < 200) {
      now = Math.max(now + 0.5, machine.nextDeadline());
      machine.onTimer(now);
      const resent = sendAll(machine, now).sent;
      if (resent.length) {
        expect(resent.map((s) => s.chunkIndex)).toEqual([1, 2]);
        expect(resent.every((s) => s.retransmission && s.packetNumber >= 3)).toBe(true);
        return;
      }
    }
    throw new Error('no probe retransmission');
  });

  it('resends the same chunk as often as its retransmissions are lost, with a new packet number each time', () => {
    const machine = sender({ size: 1000, initialWindowChunks: 1 });
    const packets = [sendAll(machine, 0).sent[0]!.packetNumber];
    let now = 0;
    for (let round = 0; round < 5; round++) {
      now += 1;
      machine.onControl(ack({ next: 0, high: 0, received: round }), now);
      let resent: ReturnType<typeof sendAll>['sent'] = [];
      for (let timers = 0; resent.length === 0 && timers < 10; timers++) {
        now = machine.nextDeadline();
        machine.onTimer(now);
        resent = sendAll(machine, now).sent;
      }
      expect(resent.map((s) => s.chunkIndex)).toEqual([0]);
      packets.push(resent[0]!.packetNumber);
    }
    expect(packets).toEqual([0, 1, 2, 3, 4, 5]);
    machine.onControl(ack({ next: 1, high: 1, largestPacket: { packetNumber: 5, delayUs: 0 } }), now + 1);
    expect(machine.state).toBe('finishing');
    machine.onControl({ type: 'done', transferId: ID, bytes: 1000, sha256: SHA }, now + 2);
    expect(machine.state).toBe('done');
  });

  it('does not resend chunks reported received out of order', () => {
    const machine = sender();
    sendAll(machine, 0);
    machine.onControl(ack({ next: 0, high: 8, missing: [{ start: 0, end: 1 }], largestPacket: { packetNumber: 7, delayUs: 0 } }), 1);
    const resent = sendAll(machine, 1).sent.filter((s) => s.retransmission);
    expect(resent.map((s) => s.chunkIndex)).toEqual([0]);
    for (let now = 2; now < 400; now += 10) {
      machine.onTimer(now);
      expect(sendAll(machine, now).sent.filter((s) => s.retransmission && s.chunkIndex > 0 && s.chunkIndex < 8)).toEqual([]);
    }
  });

  it('ignores control lines for other transfers', () => {
    const machine = sender();
    sendAll(machine, 0);
    machine.onControl({ ...ack({ next: 5, high: 5 }), transferId: ID + 1 }, 1);
    machine.onControl({ type: 'error', transferId: ID + 1, code: 'CANCELLED', text: '' }, 1);
    expect(machine.ackedBelow).toBe(0);
    expect(machine.state).toBe('sending');
  });

  it.each([
    ['next going back', [ack({ next: 4, high: 4 }), ack({ next: 3, high: 4 })]],
    ['chunks never sent', [ack({ next: 0, high: 9 })]],
    ['a packet never sent', [ack({ next: 0, high: 1, largestPacket: { packetNumber: 8, delayUs: 0 } })]],
    ['next past the end', [ack({ next: 101, high: 101 })]],
  ])('ends with PROTOCOL_ERROR on feedback about %s', (_, acks) => {
    const machine = sender();
    sendAll(machine, 0);
    machine.drainOutbox();
    for (const message of acks) machine.onControl(message, 1);
    expect(machine.state).toBe('failed');
    expect(machine.error?.code).toBe('PROTOCOL_ERROR');
    expect(machine.drainOutbox()).toMatchObject([{ type: 'error', code: 'PROTOCOL_ERROR' }]);
  });

  it('gives up with FEEDBACK_TIMEOUT at the abandon timeout, not a moment before', () => {
    const machine = sender({ abandonTimeoutMs: 1000 });
    sendAll(machine, 0);
    machine.onControl(ack({ next: 2, high: 2, largestPacket: { packetNumber: 1, delayUs: 0 } }), 100);
    machine.onTimer(1099.9);
    expect(machine.state).toBe('sending');
    machine.onTimer(1100);
    expect(machine.state).toBe('failed');
    expect(machine.error?.code).toBe('FEEDBACK_TIMEOUT');
  });

  it('ends with UNREACHABLE when feedback keeps saying nothing arrived', () => {
    const machine = sender({ unreachableTimeoutMs: 300 });
    sendAll(machine, 0);
    machine.onControl(ack({ next: 0, received: 0 }), 250);
    machine.onTimer(299);
    expect(machine.state).toBe('sending');
    expect(machine.nextDeadline()).toBeLessThanOrEqual(300);
    machine.onTimer(300);
    expect(machine.error?.code).toBe('UNREACHABLE');
  });

  it('is not unreachable once anything arrived', () => {
    const machine = sender({ unreachableTimeoutMs: 300 });
    sendAll(machine, 0);
    machine.onControl(ack({ next: 1, high: 1, received: 1, largestPacket: { packetNumber: 0, delayUs: 0 } }), 250);
    machine.onTimer(400);
    expect(machine.state).toBe('sending');
  });

  it('ends when the receiver reports an error, without answering it', () => {
    const machine = sender();
    machine.drainOutbox();
    machine.onControl({ type: 'error', transferId: ID, code: 'HASH_MISMATCH', text: 'no' }, 1);
    expect(machine.error).toMatchObject({ code: 'HASH_MISMATCH', fromPeer: true });
    expect(machine.drainOutbox()).toEqual([]);
    expect(machine.nextAction(2)).toEqual({ type: 'idle' });
  });

  it('sends nothing for an empty file and waits for UDP_DONE', () => {
    const machine = sender({ size: 0 });
    expect(machine.nextAction(0)).toEqual({ type: 'idle' });
    machine.onTimer(4000);
    expect(machine.state).toBe('sending');
    machine.onControl({ type: 'done', transferId: ID, bytes: 0, sha256: SHA }, 10);
    expect(machine.state).toBe('done');
  });

  it('numbers chunks from the resume offset', () => {
    const machine = sender({ size: 10_500, offset: 8000 });
    expect(machine.layout.count).toBe(3);
    expect(machine.layout.lengthOf(2)).toBe(500);
    expect(sendAll(machine, 0).sent.map((s) => s.chunkIndex)).toEqual([0, 1, 2]);
  });
});

describe('TransferSender window under loss', () => {
  /** Rounds of: send what is allowed, the receiver reports losing `lossEvery`-th packets. */
  function runRounds(lossFraction: number, rounds: number) {
    const machine = sender({ size: 1000 * 100_000, initialWindowChunks: 64, maxWindowChunks: 4096 });
    let now = 0;
    let lossCredit = 0;
    const windows: number[] = [];
    const received = new Set<number>();
    for (let round = 0; round < rounds; round++) {
      // One round trip of 10 ms: send whenever pacing allows, until the window is full.
      const sent = [];
      const roundEnd = now + 10;
      for (;;) {
        const { sent: burst, last } = sendAll(machine, now);
        sent.push(...burst);
        if (last.type !== 'wait' || last.until >= roundEnd) break;
        now = last.until;
      }
      now = roundEnd;
      let largest = -1;
      for (const s of sent) {
        lossCredit += lossFraction;
        if (lossCredit >= 1) lossCredit -= 1;
        else received.add(s.chunkIndex);
        largest = s.packetNumber;
      }
      let next = machine.ackedBelow;
      while (received.has(next)) next++;
      const high = Math.max(next, ...[...received].filter((c) => c >= next).map((c) => c + 1));
      const missing = [];
      for (let c = next; c < high; c++) if (!received.has(c)) missing.push({ start: c, end: c + 1 });
      machine.onControl(
        ack({ next, high, window: 4096, missing: missing.slice(0, 100), listedUpTo: missing.length > 100 ? missing[100]!.start : high, largestPacket: { packetNumber: largest, delayUs: 0 } }),
        now,
      );
      windows.push(machine.stats.window);
    }
    return { machine, windows };
  }

  it('keeps growing at 5 % random loss', () => {
    const { windows, machine } = runRounds(0.05, 12);
    expect(machine.stats.windowReductions).toBe(0);
    expect(windows.at(-1)).toBeGreaterThan(1000);
  });

  it('shrinks once per round when a round loses a third', () => {
    const { machine } = runRounds(0.34, 6);
    expect(machine.stats.windowReductions).toBeGreaterThan(0);
    expect(machine.stats.windowReductions).toBeLessThanOrEqual(6);
    expect(machine.stats.window).toBeLessThan(64);
  });
});
