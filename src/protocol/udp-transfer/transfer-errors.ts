// Why a UDP transfer ended without the file, as sent in `UDP_ERROR <id> <CODE> <text>` and
// reported locally. Codes are stable and listed in docs/PROTOCOL.md; the text is for people.

export const TRANSFER_ERROR_CODES = {
  BAD_REQUEST: 'the request options are malformed',
  TOO_MANY_TRANSFERS: 'the sender is at its limit of concurrent UDP transfers',
  BAD_BEGIN: 'the receiver cannot take the transfer as announced (chunk size, offset, size)',
  UNREACHABLE: 'no datagram reached the receiver: its port is closed or filtered',
  FEEDBACK_TIMEOUT: 'the sender heard no feedback for the abandon timeout',
  DATA_TIMEOUT: 'the receiver got no datagram for the abandon timeout',
  HASH_MISMATCH: 'the received bytes do not have the announced SHA-256; nothing was kept',
  READ_FAILED: 'the sender could not read the file, or it changed size',
  WRITE_FAILED: 'the receiver could not write the file',
  SEND_FAILED: 'the sender could not send datagrams',
  CANCELLED: 'one side gave up (user, shutdown, or the control connection closed)',
  PROTOCOL_ERROR: 'a control line for this transfer contradicts it',
} as const;

export type TransferErrorCode = keyof typeof TRANSFER_ERROR_CODES;

export function isTransferErrorCode(word: string): word is TransferErrorCode {
  return Object.hasOwn(TRANSFER_ERROR_CODES, word);
}

/** A transfer that ended without the file; `code` is what tests and callers match on. */
export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    /** The peer sent this error (true) or this side detected it (false). */
    readonly fromPeer = false,
  ) {
    super(message);
  }
}
