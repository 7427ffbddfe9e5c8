// Runs one sender and one receiver state machine against each other in simulated time: a data
// path with delay, jitter (reordering), random or bursty loss, duplication and a link rate, into
// a receive queue of bounded size read at a bounded rate (a socket buffer that overflows
// silently, as the kernel's does); and an in-order, lossless control path (TCP) whose lines go
// through the real format and parse functions. Everything random comes from one seed.
import { createHash } from 'node:crypto';
import { formatControlLine, parseControlLine } from '../../src/protocol/udp-transfer/control-lines.ts';
import { encodeDatagram } from '../../src/protocol/udp-transfer/transfer-datagram.ts';
import { TransferReceiver } from '../../src/core/udp-transfer/transfer-receiver.ts';
import { type SenderOptions, TransferSender } from '../../src/core/udp-transfer/transfer-sender.ts';
import { EventQueue } from './udp-event-queue.ts';
import { type Random, randomBytes, seededRandom } from './udp-seeded-random.ts';

export interface NetworkModel {
  /** One-way delay of datagrams and of control lines, ms. */
  delayMs: number;
  /** Extra random delay per datagram, 0..jitterMs: reorders datagrams. */
  jitterMs: number;
  /** Chance a datagram is lost. */
  lossRate: number;
  /** Bursts: chance per datagram that a burst of `burstLength` losses starts. */
  burstRate: number;
  burstLength: number;
  duplicateRate: number;
  /** Datagrams the link carries per ms (serialisation). */
  linkPerMs: number;
  /** Datagrams the receive queue holds before the kernel drops silently. */
  queueCapacity: number;
  /** Datagrams the receiver reads per ms. */
  readPerMs: number;
  /** Drop a datagram by rule: `transmission` counts sends of that chunk from 0. */
  dropRule?: (chunkIndex: number, transmission: number) => boolean;
}

export const CLEAN_NETWORK: NetworkModel = {
  delayMs: 0.5,
  jitterMs: 0,
  lossRate: 0,
  burstRate: 0,
  burstLength: 0,
  duplicateRate: 0,
  linkPerMs: 200,
  queueCapacity: 400,
  readPerMs: 150,
};

export interface SimulationSetup {
  seed: number;
  size: number;
  chunkBytes: number;
  offset?: number;
  network?: Partial<NetworkModel>;
  sender?: Partial<SenderOptions>;
  windowChunks?: number;
  feedbackIntervalMs?: number;
  /** Simulated time after which the run counts as stuck. */
  timeLimitMs?: number;
  /** Change a datagram on the wire (corruption, foreign traffic). */
  tamper?: (datagram: Uint8Array, random: Random) => Uint8Array | undefined;
}

export interface SimulationResult {
  seed: number;
  senderState: string;
  receiverState: string;
  errorCode: string | undefined;
  /** The bytes the receiver appended, in order. */
  written: Uint8Array;
  expected: Uint8Array;
  datagramsSent: number;
  retransmissions: number;
  dropsByNetwork: number;
  dropsByQueue: number;
  duplicatesReceived: number;
  beyondWindow: number;
  elapsedMs: number;
  controlLines: string[];
}


export function simulateTransfer(setup: SimulationSetup): SimulationResult {
  const net: NetworkModel = { ...CLEAN_NETWORK, ...setup.network };
  const random = seededRandom(setup.seed);
  const offset = setup.offset ?? 0;
  const file = randomBytes(random, setup.size);
  const sha256 = createHash('sha256').update(file).digest('hex');
  const feedbackIntervalMs = setup.feedbackIntervalMs ?? 5;
  const transferId = (((random() * 2 ** 32) >>> 0) | 1) >>> 0;
  const events = new EventQueue();
  let now = 0;
  const sender = new TransferSender(
    {
      transferId,
      size: setup.size,
      offset,
      chunkBytes: setup.chunkBytes,
      sha256,
      initialWindowChunks: 32,
      maxWindowChunks: 4096,
      feedbackIntervalMs,
      abandonTimeoutMs: 5000,
      unreachableTimeoutMs: 3000,
      ...setup.sender,
    },
    now,
  );
  let receiver: TransferReceiver | undefined;
  const hash = createHash('sha256').update(file.subarray(0, offset));
  const written: Uint8Array[] = [];
  const controlLines: string[] = [];
  const transmissions = new Map<number, number>();
  let linkFreeAt = 0;
  let queue: Uint8Array[] = [];
  let reading = false;
  let burstLeft = 0;
  let dropsByNetwork = 0;
  let dropsByQueue = 0;
  let senderTimerAt = Number.POSITIVE_INFINITY;
  let receiverTimerAt = Number.POSITIVE_INFINITY;
  let pumpAt = Number.POSITIVE_INFINITY;

  // Control lines: in order, never lost, through the real text format.
  let controlFreeAt = 0;
  const sendControl = (from: 'sender' | 'receiver', messages: ReturnType<TransferSender['drainOutbox']>) => {
    for (const message of messages) {
      const line = formatControlLine(message);
      controlLines.push(`${from}: ${line}`);
      controlFreeAt = Math.max(controlFreeAt, now + net.delayMs);
      events.push(controlFreeAt, () => {
        const parsed = parseControlLine(line);
        if (!parsed.ok) throw new Error(`unparsable control line ${line}: ${parsed.detail}`);
        if (from === 'receiver') {
          sender.onControl(parsed.message, now);
          pump();
        } else if (parsed.message.type === 'begin' && !receiver) {
          const windowChunks = setup.windowChunks ?? 256;
          receiver = new TransferReceiver(parsed.message, { windowChunks, memoryChunks: 2 * windowChunks, feedbackIntervalMs, abandonTimeoutMs: 5000 }, now);
          afterReceiver();
        } else {
          receiver?.onControl(parsed.message);
          afterReceiver();
        }
      });
    }
  };

  const deliverToQueue = (datagram: Uint8Array) => {
    if (queue.length >= net.queueCapacity) {
      dropsByQueue++;
      return;
    }
    queue.push(datagram);
    if (!reading) readNext();
  };

  const readNext = () => {
    reading = true;
    events.push(now + 1 / net.readPerMs, () => {
      const datagram = queue.shift();
      if (datagram) {
        // Datagrams that beat UDP_BEGIN are lost, as with a socket nobody listens on yet.
        receiver?.onDatagram(datagram, now);
        afterReceiver();
      }
      if (queue.length > 0) readNext();
      else reading = false;
    });
  };

  const transmit = (chunkIndex: number, packetNumber: number) => {
    const start = offset + chunkIndex * setup.chunkBytes;
    const payload = file.subarray(start, start + sender.layout.lengthOf(chunkIndex));
    let datagram: Uint8Array | undefined = encodeDatagram({ transferId, chunkIndex, packetNumber }, payload);
    const transmission = transmissions.get(chunkIndex) ?? 0;
    transmissions.set(chunkIndex, transmission + 1);
    linkFreeAt = Math.max(linkFreeAt, now) + 1 / net.linkPerMs;
    if (burstLeft > 0) {
      burstLeft--;
      dropsByNetwork++;
      return;
    }
    if (net.burstRate > 0 && random() < net.burstRate) {
      burstLeft = net.burstLength - 1;
      dropsByNetwork++;
      return;
    }
    if (random() < net.lossRate || net.dropRule?.(chunkIndex, transmission)) {
      dropsByNetwork++;
      return;
    }
    if (setup.tamper) datagram = setup.tamper(datagram, random);
    if (!datagram) return;
    const copies = random() < net.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const arrival = linkFreeAt + net.delayMs + random() * net.jitterMs;
      const bytes = datagram;
      events.push(arrival, () => deliverToQueue(bytes));
    }
  };

  const pump = () => {
    sendControl('sender', sender.drainOutbox());
    for (;;) {
      const action = sender.nextAction(now);
      if (action.type === 'send') {
        transmit(action.chunkIndex, action.packetNumber);
        // The link is busy: the next datagram leaves when it frees.
        if (linkFreeAt > now) {
          schedulePump(linkFreeAt);
          break;
        }
        continue;
      }
      if (action.type === 'wait') schedulePump(action.until);
      break;
    }
    sendControl('sender', sender.drainOutbox());
    const deadline = sender.nextDeadline();
    if (deadline < senderTimerAt) {
      senderTimerAt = deadline;
      events.push(Math.max(deadline, now), () => {
        senderTimerAt = Number.POSITIVE_INFINITY;
        sender.onTimer(now);
        pump();
      });
    }
  };

  const schedulePump = (at: number) => {
    if (at >= pumpAt) return;
    pumpAt = at;
    events.push(at, () => {
      pumpAt = Number.POSITIVE_INFINITY;
      pump();
    });
  };

  const afterReceiver = () => {
    if (!receiver) return;
    const ready = receiver.takeReady();
    if (ready.length > 0) {
      for (const chunk of ready) {
        written.push(chunk);
        hash.update(chunk);
      }
      receiver.onWritten(ready.length, now);
    }
    if (receiver.awaitingDigest && receiver.verify(hash.copy().digest('hex'))) receiver.stored();
    sendControl('receiver', receiver.drainOutbox());
    const deadline = receiver.nextDeadline();
    if (deadline < receiverTimerAt) {
      receiverTimerAt = deadline;
      events.push(Math.max(deadline, now), () => {
        receiverTimerAt = Number.POSITIVE_INFINITY;
        receiver?.onTimer(now);
        afterReceiver();
      });
    }
  };

  pump();
  const timeLimit = setup.timeLimitMs ?? 120_000;
  for (let count = 0; ; count++) {
    if (count > 20_000_000) throw new Error(`simulation seed ${setup.seed}: too many events, stuck at ${now} ms`);
    const event = events.pop();
    if (!event || event.at > timeLimit) break;
    now = event.at;
    event.run();
    const finished = (state: string | undefined) => state === 'done' || state === 'failed';
    if (finished(sender.state) && (receiver === undefined || finished(receiver.state))) break;
  }

  const total = written.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of written) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return {
    seed: setup.seed,
    senderState: sender.state,
    receiverState: receiver?.state ?? 'never began',
    errorCode: sender.error?.code ?? receiver?.error?.code,
    written: joined,
    expected: file.subarray(offset),
    datagramsSent: sender.stats.datagramsSent,
    retransmissions: sender.stats.retransmissions,
    dropsByNetwork,
    dropsByQueue,
    duplicatesReceived: receiver?.stats.duplicates ?? 0,
    beyondWindow: receiver?.stats.beyondWindow ?? 0,
    elapsedMs: now,
    controlLines,
  };
}
