// What one user sends is shown on other users' terminals. Control characters could move the
// cursor, rewrite a line already shown, or start an escape sequence; bidirectional overrides
// and line separators could make text look like another user's line. All become U+FFFD, so
// tampering stays visible instead of silently vanishing.
const UNSAFE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
const UNSAFE_TEST = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

export const REPLACEMENT = '\uFFFD';

/** Text safe to put inside one protocol line: no control characters; tabs become spaces. */
export function sanitizeText(text: string): string {
  let out = text;
  if (out.includes('\t')) out = out.replaceAll('\t', ' ');
  return UNSAFE_TEST.test(out) ? out.replace(UNSAFE, REPLACEMENT) : out;
}
