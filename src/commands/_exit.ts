// Exit codes and the usage error, apart from _shared.ts so that the CLI root can use them
// without loading the logger: `netchat --version` loads nothing it does not print.

/** Exit codes, documented in the README. Stable: scripts depend on them. */
export const EXIT = {
  OK: 0,
  /** An unexpected internal error; `echo` probes of which only some were answered. */
  FAILURE: 1,
  /** Bad arguments or options; a required value missing with no terminal to ask. */
  USAGE: 2,
  /** Could not connect to the server, or could not listen on the address. */
  CONNECT: 3,
  /** The server refused the chosen name. */
  NAME_REFUSED: 4,
  /** The server closed the connection (shutdown, kicked, or gone). */
  SERVER_CLOSED: 5,
  /** A file transfer failed: refused by the server, corrupted, or cut off (send-file, join's /download and /upload). */
  TRANSFER_FAILED: 6,
  /**
   * `join` in a pipe: a line of the input was refused — by the server (`/msg` to a user not
   * online, a group you are not in) or by the client (an unknown /command, a line too long) —
   * and the session otherwise ended well. The others were still sent.
   */
  INPUT_REFUSED: 7,
  /** The server's TLS certificate was refused: changed since first use, not the --fingerprint, or not valid for --tls-ca. Nothing was sent. */
  TLS_UNTRUSTED: 8,
  /** Interrupted by SIGINT (128 + 2, as shells report it). */
  INTERRUPTED: 130,
  /** The reader of stdout went away (128 + SIGPIPE, as `… | head -1` reports a writer it cut off). */
  OUTPUT_CLOSED: 141,
} as const;

/** A mistake in how the command was called: reported with usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}
