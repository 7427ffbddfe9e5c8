// Every error the chat server sends is one line, `ERROR <CODE> <human text>`, built by
// `serverLine.error` (chat-lines.ts) from a code in this one table. Codes are stable and listed
// in docs/PROTOCOL.md (a test holds the two together); the text may change. Clients and tests
// match on the code only.

interface ErrorCodeSpec {
  /** When the server sends it. */
  when: string;
  /** The server closes the connection right after it. */
  closes: boolean;
}

import { FILE_ERROR_CODES } from '../files/file-error-codes.ts';
import { ACCOUNT_ERROR_CODES } from '../accounts/account-error-codes.ts';

export const ERROR_CODES = {
  NOT_REGISTERED: { when: 'command other than JOIN or QUIT before JOIN', closes: false },
  ALREADY_REGISTERED: { when: 'JOIN after a successful JOIN', closes: false },
  NAME_INVALID: { when: 'name too long, empty, reserved, or with characters outside A-Z a-z 0-9 _ . -', closes: false },
  NAME_TAKEN: { when: 'another user has that name (compared case-insensitively)', closes: false },
  UNKNOWN_COMMAND: { when: 'the first word is not a command', closes: false },
  MISSING_ARGUMENT: { when: 'the command needs more arguments', closes: false },
  NO_SUCH_USER: { when: 'UNICAST to a name nobody has', closes: false },
  GROUP_INVALID: { when: 'group name breaks the name rules', closes: false },
  NOT_IN_GROUP: { when: 'GROUP_MSG or LEAVE_GROUP for a group the sender is not in', closes: false },
  ALREADY_IN_GROUP: { when: 'JOIN_GROUP for a group the sender is already in', closes: false },
  TOO_MANY_GROUPS: { when: 'JOIN_GROUP while the sender is in max-groups-per-user groups', closes: false },
  GROUPS_FULL: { when: 'JOIN_GROUP of a new group while the server has max-groups groups', closes: false },
  LINE_TOO_LONG: { when: 'the line was over the maximum line length and was dropped', closes: false },
  INPUT_OVERFLOW: { when: 'too many bytes without a newline', closes: true },
  SEND_QUEUE_FULL: { when: 'the client stopped reading and its send queue overflowed', closes: true },
  FLOOD: { when: 'too many lines too fast, even after delaying them', closes: true },
  REGISTRATION_TIMEOUT: { when: 'no successful JOIN in time', closes: true },
  PING_TIMEOUT: { when: 'no line received in time, not even PONG', closes: true },
  SERVER_FULL: { when: 'the server is at its connection limit', closes: true },
  TOO_MANY_CONNECTIONS: { when: 'this address is at its per-address connection limit', closes: true },
  CONNECTING_TOO_FAST: { when: 'this address opened new connections faster than the connect rate allows', closes: true },
  TLS_REQUIRED: { when: 'plain TCP on the TLS port: sent in plain text, instead of a TLS handshake', closes: true },
  // The shared-files section (file transfers travel on the chat port).
  ...FILE_ERROR_CODES,
  // The accounts section (logins, operators).
  ...ACCOUNT_ERROR_CODES,
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that the server sends just before it closes the connection. */
export const FATAL_ERROR_CODES: ReadonlySet<ErrorCode> = new Set(
  (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].closes),
);
