// Probes that `netchat echo <host> --count N` sends, and how their replies are recognised.
//
// A probe is the ASCII text `netchat-probe <seq>` (plus LF in --lines mode). Over UDP and in
// --lines mode every reply arrives whole, so the seq is read back from it. In plain TCP mode
// the server answers each *read*, and TCP may split a probe across reads: the reply is then
// several `<timestamp>:<piece>` runs back to back. `matchProbeReply` finds the one way to read
// the received bytes as headers and pieces that spell the expected probe.
import { parseReply, parseReplyHeader } from './echo-format.ts';

const PROBE_PREFIX = 'netchat-probe ';
const PROBE_TEXT = /^netchat-probe (\d{1,15})\n?$/;
const MAX_PROBE_BYTES = 32;

export function probeText(seq: number): string {
  return `${PROBE_PREFIX}${seq}`;
}

/** The seq of a whole probe reply (a datagram), or null if it is not one. */
export function probeSeqOfReply(bytes: Uint8Array): { seq: number; timestamp: string } | null {
  const reply = parseReply(bytes);
  if (!reply || reply.data.length > MAX_PROBE_BYTES) return null;
  return probeSeqOfText(reply.timestamp, String.fromCharCode(...reply.data));
}

/** The seq in the text of a reply (a line without its timestamp), or null. */
export function probeSeqOfText(timestamp: string, text: string): { seq: number; timestamp: string } | null {
  const match = PROBE_TEXT.exec(text);
  return match ? { seq: Number(match[1]), timestamp } : null;
}

export type ProbeMatch = { status: 'complete'; timestamp: string; end: number } | { status: 'incomplete' } | { status: 'mismatch' };

/**
 * Whether `received` begins with the full reply to `expected`: one or more runs of
 * `<timestamp>:<piece>` whose pieces, joined, are exactly `expected`. The timestamp is the
 * first run's; `end` is where the reply stops (later bytes belong to the next reply).
 * 'incomplete' when more bytes could still complete it.
 *
 * Probe text holds neither '.' nor ':', so a header can hide only where a piece ends in digits;
 * both readings are tried there. Each run holds at least one byte, so this stays linear in
 * practice and the input is at most a few hundred bytes.
 */
export function matchProbeReply(received: Uint8Array, expected: Uint8Array): ProbeMatch {
  let timestamp = '';
  let sawIncomplete = false;

  // After a header at `at`, match pieces of `expected` from index `done`.
  const afterHeader = (at: number, done: number): number => {
    const header = parseReplyHeader(received, at);
    if (header === 'incomplete') {
      sawIncomplete = true;
      return -1;
    }
    if (header === 'invalid') return -1;
    if (done === 0) timestamp = header.timestamp;
    return piece(header.end, done, true);
  };

  // Inside a piece at `at`; `fresh` when no byte of this piece has been taken yet.
  const piece = (at: number, done: number, fresh: boolean): number => {
    let i = at;
    let j = done;
    let first = fresh;
    for (;;) {
      if (j === expected.length) return i;
      if (i === received.length) {
        sawIncomplete = true;
        return -1;
      }
      if (!first) {
        const byHeader = afterHeader(i, j);
        if (byHeader !== -1) return byHeader;
      }
      if (received[i] !== expected[j]) return -1;
      i++;
      j++;
      first = false;
    }
  };

  const end = afterHeader(0, 0);
  if (end !== -1) return { status: 'complete', timestamp, end };
  return sawIncomplete ? { status: 'incomplete' } : { status: 'mismatch' };
}
