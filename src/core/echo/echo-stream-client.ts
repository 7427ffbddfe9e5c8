// `netchat echo <host>` without --count: sends its input to the server and writes every reply
// byte to `output` as it comes.
//
// TCP: input goes out as it is read, with backpressure both ways (a slow `output` pauses the
// connection). At the end of input our side half-closes; the server answers what is left and
// closes, which is how we know every reply is in.
// UDP: each datagram carries at most UDP_CHUNK_BYTES (with `lines`, one line, split only past
// that size); at most UDP_WINDOW datagrams await replies at once, so the server's receive
// buffer is not overrun. A datagram still unanswered `timeoutMs` after the last sign of life
// is counted lost.
import type { Runtime } from '../../runtime/types.ts';
import { concatBytes } from '../../protocol/shared/bytes.ts';
import { systemClock } from '../shared/clock.ts';
import { Wakeup } from '../shared/wakeup.ts';
import { openEchoLink, type EchoTarget, type LinkLoss } from './echo-link.ts';
import type { EchoFraming } from './echo-server.ts';

/** Fits one Ethernet frame with the reply's timestamp added (1500 − 28 header − 24 timestamp, rounded down). */
export const UDP_CHUNK_BYTES = 1400;
/** Datagrams in flight at once: about 90 KiB, well inside a default 208 KiB receive buffer. */
export const UDP_WINDOW = 64;
const LF = 0x0a;

export interface StreamOptions extends EchoTarget {
  /** 'lines': a last line without LF gets one (TCP); one datagram per line (UDP). */
  framing?: EchoFraming;
  signal?: AbortSignal;
}

export interface StreamOutput {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * done: input sent and, over TCP, the server closed after it (over UDP: check the counts).
 * server-closed: the server closed before the input ended. no-close: over TCP, the server
 * went quiet for timeoutMs after the input ended without closing. send-failed: a UDP send
 * failed (unknown host, unreachable network). interrupted: the signal fired.
 */
export type StreamEnd = 'done' | 'server-closed' | 'no-close' | 'send-failed' | 'interrupted';

export interface StreamSummary {
  bytesSent: number;
  bytesReceived: number;
  /** UDP: datagrams sent and replies received; TCP: writes and reads. */
  messagesSent: number;
  repliesReceived: number;
  end: StreamEnd;
}

/** Throws EchoClientError CONNECT_FAILED when the TCP connection cannot be made. */
export async function runEchoStream(
  runtime: Pick<Runtime, 'connectTcp' | 'bindUdp'>,
  options: StreamOptions,
  input: AsyncIterable<Uint8Array>,
  output: StreamOutput,
): Promise<StreamSummary> {
  const link = await openEchoLink(runtime, options);
  const summary: StreamSummary = { bytesSent: 0, bytesReceived: 0, messagesSent: 0, repliesReceived: 0, end: 'done' };
  let stopped: StreamEnd | undefined;
  let inputDone = false;
  let onStop!: () => void;
  const stopping = new Promise<undefined>((resolve) => (onStop = () => resolve(undefined)));
  // Woken by each reply (and by a stop) while waiting for one.
  const wakeup = new Wakeup<true>(options.clock ?? systemClock);
  const stop = (end: StreamEnd) => {
    stopped ??= end;
    onStop();
    wakeup.wake(true);
  };
  link.onLoss((loss: LinkLoss) => stop(loss === 'server-closed' && inputDone ? 'done' : loss));
  let outputBlocked = false;
  link.onReceive((bytes) => {
    summary.bytesReceived += bytes.length;
    summary.repliesReceived++;
    if (!output.write(bytes) && link.transport === 'tcp' && !outputBlocked) {
      outputBlocked = true;
      link.pause();
      output.once('drain', () => {
        outputBlocked = false;
        link.resume();
      });
    }
    wakeup.wake(true);
  });
  const onAbort = () => stop('interrupted');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) stop('interrupted');

  /** True when a reply (or a stop) came within `ms`, false when the time ran out. */
  const replyWithin = async (ms: number) => (await wakeup.wait(ms)) === true;

  // UDP datagrams written off as lost after a silence, so the window moves on.
  let writtenOff = 0;
  const send = async (bytes: Uint8Array) => {
    if (link.transport === 'udp') {
      while (!stopped && summary.messagesSent - summary.repliesReceived - writtenOff >= UDP_WINDOW) {
        if (!(await replyWithin(options.timeoutMs))) writtenOff = summary.messagesSent - summary.repliesReceived;
      }
    }
    if (stopped) return;
    summary.bytesSent += bytes.length;
    summary.messagesSent++;
    if (!link.send(bytes)) await Promise.race([link.drained(), stopping]);
  };

  const framer = new StreamFramer(link.transport, options.framing ?? 'read');
  const iterator = input[Symbol.asyncIterator]();
  try {
    while (!stopped) {
      const next = await Promise.race([iterator.next(), stopping]);
      if (!next || next.done) break;
      for (const piece of framer.push(next.value)) await send(piece);
    }
    if (!stopped) {
      for (const piece of framer.end()) await send(piece);
      inputDone = true;
      link.end();
      // Until the server closes (TCP) or every datagram is answered (UDP), or a long silence.
      while (!stopped && !(link.transport === 'udp' && summary.repliesReceived >= summary.messagesSent)) {
        if (!(await replyWithin(options.timeoutMs))) {
          if (link.transport === 'tcp') stop('no-close');
          break;
        }
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    void iterator.return?.();
    link.close();
  }
  summary.end = stopped ?? 'done';
  return summary;
}

/** Cuts input into what is sent at once: TCP chunks as read; UDP datagrams by size or line. */
class StreamFramer {
  private carry: Uint8Array[] = [];
  private carryBytes = 0;
  private lastByte = LF;

  constructor(
    private readonly transport: 'tcp' | 'udp',
    private readonly framing: EchoFraming,
  ) {}

  *push(chunk: Uint8Array): Generator<Uint8Array> {
    if (chunk.length === 0) return;
    this.lastByte = chunk[chunk.length - 1]!;
    if (this.transport === 'tcp') {
      yield chunk;
      return;
    }
    if (this.framing === 'read') {
      for (let at = 0; at < chunk.length; at += UDP_CHUNK_BYTES) yield chunk.subarray(at, at + UDP_CHUNK_BYTES);
      return;
    }
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = Math.min(lf === -1 ? chunk.length : lf + 1, start + UDP_CHUNK_BYTES - this.carryBytes);
      this.carry.push(chunk.slice(start, end));
      this.carryBytes += end - start;
      start = end;
      if (chunk[end - 1] === LF || this.carryBytes === UDP_CHUNK_BYTES) yield this.takeCarry();
    }
  }

  /** What is left at the end of input; with `lines`, a last line gets its LF. */
  *end(): Generator<Uint8Array> {
    const lines = this.framing === 'lines';
    if (this.transport === 'tcp') {
      if (lines && this.lastByte !== LF) yield Uint8Array.of(LF);
      return;
    }
    if (this.carryBytes > 0) {
      if (lines) this.carry.push(Uint8Array.of(LF));
      yield this.takeCarry();
    }
  }

  private takeCarry(): Uint8Array {
    const out = concatBytes(this.carry);
    this.carry = [];
    this.carryBytes = 0;
    return out;
  }
}

