// `netchat echo <host> --count N`: sends N probes, one outstanding at a time, and measures each
// round trip, like `ping`. Sending stdin instead lives in echo-stream-client.ts.
import { parseReplyLine } from '../../protocol/echo/echo-format.ts';
import { matchProbeReply, probeSeqOfReply, probeSeqOfText, probeText } from '../../protocol/echo/echo-probe.ts';
import { concatBytes } from '../../protocol/shared/bytes.ts';
import { LineDecoder } from '../../protocol/shared/line-decoder.ts';
import type { Runtime } from '../../runtime/types.ts';
import { openEchoLink, type EchoLink, type EchoTarget } from './echo-link.ts';
import { systemClock } from '../shared/clock.ts';
import { Wakeup } from '../shared/wakeup.ts';
import type { EchoFraming } from './echo-server.ts';

export { EchoClientError } from './echo-link.ts';
export { runEchoStream, type StreamOutput, type StreamSummary } from './echo-stream-client.ts';
export { lossPercent, rttStats } from './echo-stats.ts';

export interface ProbeOptions extends EchoTarget {
  /** Probes to send (≥ 1). */
  count: number;
  /** From one probe's send to the next; a reply that takes longer is waited for first. */
  intervalMs: number;
  /** TCP only: probes end in LF, for a `--lines` server. Over UDP each probe is a datagram. */
  framing?: EchoFraming;
  signal?: AbortSignal;
}

export type ProbeResult =
  | { seq: number; status: 'reply'; rttMs: number; timestamp: string }
  | { seq: number; status: 'timeout' };

/** How the run ended: all probes done, interrupted, or stopped by the server or a bad reply. */
export type ProbeEnd = 'done' | 'interrupted' | 'server-closed' | 'send-failed' | 'bad-reply';

export interface ProbeSummary {
  /** Probes that got a reply or timed out (one cut short by an interruption is not counted). */
  sent: number;
  received: number;
  rttsMs: number[];
  end: ProbeEnd;
}

const ascii = new TextEncoder();

type Outcome = { kind: 'reply'; at: number; timestamp: string } | { kind: 'stop' };

/** Throws EchoClientError CONNECT_FAILED when the TCP connection cannot be made. */
export async function runProbes(
  runtime: Pick<Runtime, 'connectTcp' | 'bindUdp'>,
  options: ProbeOptions,
  onResult: (result: ProbeResult) => void = () => {},
): Promise<ProbeSummary> {
  const clock = options.clock ?? systemClock;
  const lines = options.framing === 'lines' && options.transport !== 'udp';
  const link = await openEchoLink(runtime, options);
  const summary: ProbeSummary = { sent: 0, received: 0, rttsMs: [], end: 'done' };
  let stopped: ProbeEnd | undefined;
  let current: number | undefined;
  // Woken by the awaited reply, or by a stop; undefined when the time is up.
  const wakeup = new Wakeup<Outcome>(clock);
  const stop = (end: ProbeEnd) => {
    stopped ??= end;
    wakeup.wake({ kind: 'stop' });
  };
  const replied = (seq: number, timestamp: string) => {
    if (seq === current) wakeup.wake({ kind: 'reply', at: clock.now(), timestamp });
  };
  const replies = listenForReplies(link, lines, replied, () => stop('bad-reply'));
  link.onLoss(stop);
  const onAbort = () => stop('interrupted');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) stop('interrupted');

  try {
    for (let seq = 1; seq <= options.count && !stopped; seq++) {
      const sentAt = clock.now();
      current = seq;
      const probe = ascii.encode(lines ? `${probeText(seq)}\n` : probeText(seq));
      replies.expect(seq, probe);
      link.send(probe);
      const outcome = await wakeup.wait(options.timeoutMs);
      current = undefined;
      if (outcome?.kind === 'reply') {
        const rttMs = outcome.at - sentAt;
        summary.sent++;
        summary.received++;
        summary.rttsMs.push(rttMs);
        onResult({ seq, status: 'reply', rttMs, timestamp: outcome.timestamp });
      } else if (!outcome) {
        summary.sent++;
        onResult({ seq, status: 'timeout' });
      } else if (stopped !== 'interrupted') {
        summary.sent++; // lost to the server closing or a send failing
      }
      const pause = sentAt + options.intervalMs - clock.now();
      if (seq < options.count && !stopped && pause > 0) await wakeup.wait(pause);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    link.close();
  }
  summary.end = stopped ?? 'done';
  return summary;
}

interface ReplyListener {
  /** Told of each probe as it is sent, before its bytes leave. */
  expect(seq: number, probe: Uint8Array): void;
}

/** Calls `replied(seq, timestamp)` for every probe reply that comes back. */
function listenForReplies(
  link: EchoLink,
  lines: boolean,
  replied: (seq: number, timestamp: string) => void,
  badReply: () => void,
): ReplyListener {
  if (!lines && link.transport === 'tcp') return listenForStreamReplies(link, replied, badReply);
  // Over UDP and in --lines mode every reply arrives whole and names its seq.
  if (link.transport === 'udp') {
    // Anything else arriving on the socket is ignored: UDP carries no promise of who sends.
    link.onReceive((datagram) => {
      const probe = probeSeqOfReply(datagram);
      if (probe) replied(probe.seq, probe.timestamp);
    });
  } else {
    const decoder = new LineDecoder({ maxLineBytes: 256, maxUnterminatedBytes: 4096 });
    const sink = {
      line(line: string) {
        const reply = parseReplyLine(line);
        const probe = reply && probeSeqOfText(reply.timestamp, reply.text);
        if (probe) replied(probe.seq, probe.timestamp);
        else badReply();
      },
      overlong: badReply,
    };
    link.onReceive((chunk) => {
      if (decoder.push(chunk, sink) === 'unterminated-overflow') badReply();
    });
  }
  return { expect: () => {} };
}

/**
 * Plain TCP: replies carry no framing, so they are matched in send order against the probes
 * still unanswered (a probe that timed out is answered late, before the next one).
 */
function listenForStreamReplies(
  link: EchoLink,
  replied: (seq: number, timestamp: string) => void,
  badReply: () => void,
): ReplyListener {
  const awaited: Array<{ seq: number; probe: Uint8Array }> = [];
  let received: Uint8Array = new Uint8Array(0);
  link.onReceive((chunk) => {
    received = received.length === 0 ? chunk : concatBytes([received, chunk]);
    while (awaited.length > 0) {
      const match = matchProbeReply(received, awaited[0]!.probe);
      if (match.status === 'incomplete') return;
      if (match.status === 'mismatch') return badReply();
      received = received.subarray(match.end);
      replied(awaited.shift()!.seq, match.timestamp);
    }
    if (received.length > 0) badReply(); // bytes nobody asked for
  });
  return { expect: (seq, probe) => void awaited.push({ seq, probe }) };
}
