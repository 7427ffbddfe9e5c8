// Every error an echo server sends is one line, `ERROR <CODE> <human text>`, and only in --lines
// mode (plain TCP and UDP replies carry no framing to put an error in). Codes are stable and
// listed in docs/PROTOCOL.md "Echo"; the text may change. The names match the chat protocol's
// codes for the same faults, so one script can read both.
import { sanitizeText } from '../shared/text-sanitize.ts';

export const ECHO_ERROR_CODES = {
  LINE_TOO_LONG: 'a line over --max-line-bytes: dropped, the connection stays open',
  SERVER_FULL: 'a connection past --max-clients: closed after this line',
  TLS_REQUIRED: 'plain TCP to an `echo --tls` server: closed after this line',
} as const;

export type EchoErrorCode = keyof typeof ECHO_ERROR_CODES;

/** The error line, LF included. */
export function echoErrorLine(code: EchoErrorCode, text: string): string {
  return `ERROR ${code} ${sanitizeText(text)}\n`;
}
