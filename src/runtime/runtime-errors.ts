// The runtime layer's own error codes, beside the operating system's errno names (ENOENT,
// ECONNREFUSED …) that system-call errors keep unchanged.
//
// | code | when |
// |---|---|
// | ETIMEDOUT | `connectTcp` did not connect (and finish the TLS handshake) within `timeoutMs` |
// | TLS_HANDSHAKE_TIMEOUT | an accepted TLS connection did not finish its handshake in time |
// | TLS_HANDSHAKE_FAILED | an accepted TLS connection failed its handshake (the runtime's error is the `cause`) |
// | TLS_PEER_NOT_TLS | an accepted connection on a TLS server began with something other than a TLS handshake |
// | TLS_NOT_SPOKEN | `connectTcp` with `tls`: the server answered the handshake with something that is not TLS |
// | TLS_BAD_CERTIFICATE | text given as a PEM certificate is not one |
// | TLS_NOT_ENABLED | TLS credentials given to a server that listens without TLS |
// | FILE_NOT_REGULAR | opening for reading or writing something that is not a file (a FIFO, a socket, a device) |
// | FILE_SHORT_READ | a file ended before the end of the range asked for |
// | FILE_CHANGED | a file's size or modification time changed while it was hashed |
// | FILE_WRITER_CLOSED | a write after `close()` or `abort()` |
// | ERR_OUT_OF_RANGE | a byte range or chunk size that cannot be |

import os from 'node:os';

export type RuntimeErrorCode =
  | 'ETIMEDOUT'
  | 'TLS_HANDSHAKE_TIMEOUT'
  | 'TLS_HANDSHAKE_FAILED'
  | 'TLS_PEER_NOT_TLS'
  | 'TLS_NOT_SPOKEN'
  | 'TLS_BAD_CERTIFICATE'
  | 'TLS_NOT_ENABLED'
  | 'FILE_NOT_REGULAR'
  | 'FILE_SHORT_READ'
  | 'FILE_CHANGED'
  | 'FILE_WRITER_CLOSED'
  | 'ERR_OUT_OF_RANGE';

export type RuntimeError = Error & { code: RuntimeErrorCode };

export function runtimeError(code: RuntimeErrorCode, message: string, cause?: unknown): RuntimeError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as RuntimeError;
  error.code = code;
  return error;
}

/** An error shaped like the system's own (`code`, `syscall`, `path`), for checks the store makes itself. */
export function systemError(code: 'EEXIST' | 'ELOOP' | 'EISDIR', syscall: string, path: string): Error & { code: string } {
  const reason = { EEXIST: 'file already exists', ELOOP: 'too many symbolic links encountered', EISDIR: 'illegal operation on a directory' }[code];
  return Object.assign(new Error(`${code}: ${reason}, ${syscall} '${path}'`), { code, syscall, path });
}

const ERRNO_NAMES = new Map(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));

/**
 * The error with its errno `code`. Deno's FileHandle read and write errors carry none (only a
 * message ending "(os error 28)"): take it from that number, so ENOSPC is ENOSPC everywhere.
 */
export function withErrnoCode(error: unknown): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== undefined) return error;
  const number = Number(/\(os error (\d+)\)/.exec(error.message)?.[1]);
  const code = ERRNO_NAMES.get(number);
  return code ? Object.assign(error, { code, errno: -number }) : error;
}
