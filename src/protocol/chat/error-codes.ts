// Every error the chat server sends is one line: `ERROR <CODE> <human text>`. Codes are
// stable and documented in docs/PROTOCOL.md; the text may change. Clients and tests match
// on the code only.
export const ERROR_CODES = {
  NOT_REGISTERED: 'command other than JOIN or QUIT before JOIN',
  ALREADY_REGISTERED: 'JOIN after a successful JOIN',
  NAME_INVALID: 'name too long, empty, reserved, or with characters outside A-Z a-z 0-9 _ . -',
  NAME_TAKEN: 'another user has that name (compared case-insensitively)',
  UNKNOWN_COMMAND: 'the first word is not a command',
  MISSING_ARGUMENT: 'the command needs more arguments',
  NO_SUCH_USER: 'UNICAST to a name nobody has',
  GROUP_INVALID: 'group name breaks the name rules',
  NOT_IN_GROUP: 'GROUP_MSG or LEAVE_GROUP for a group the sender is not in',
  ALREADY_IN_GROUP: 'JOIN_GROUP for a group the sender is already in',
  LINE_TOO_LONG: 'the line was over the maximum line length and was dropped',
  // The codes below are the last line before the server closes the connection.
  INPUT_OVERFLOW: 'too many bytes without a newline',
  SEND_QUEUE_FULL: 'the client stopped reading and its send queue overflowed',
  FLOOD: 'too many lines too fast, even after delaying them',
  REGISTRATION_TIMEOUT: 'no successful JOIN in time',
  PING_TIMEOUT: 'no line received in time, not even PONG',
  SERVER_FULL: 'the server is at its connection limit',
  TOO_MANY_CONNECTIONS: 'this address is at its per-address connection limit',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that the server sends just before it closes the connection. */
export const FATAL_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INPUT_OVERFLOW',
  'SEND_QUEUE_FULL',
  'FLOOD',
  'REGISTRATION_TIMEOUT',
  'PING_TIMEOUT',
  'SERVER_FULL',
  'TOO_MANY_CONNECTIONS',
]);
