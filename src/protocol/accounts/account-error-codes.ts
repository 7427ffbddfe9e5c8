// The error codes of logins and operator commands: the accounts section of the chat protocol's
// one error table (chat/error-codes.ts spreads it in). docs/PROTOCOL.md lists each.
export const ACCOUNT_ERROR_CODES = {
  PASSWORD_REQUIRED: { when: 'JOIN on a server with a server password before a right PASS', closes: false },
  PASSWORD_WRONG: { when: 'PASS with a wrong server password', closes: false },
  ACCOUNT_REQUIRED: { when: 'JOIN of a registered name without AUTH as it, or of any name when only account holders are admitted', closes: false },
  LOGIN_FAILED: { when: 'AUTH with an unknown name or a wrong password (not said which)', closes: false },
  LOGIN_THROTTLED: { when: 'too many failed logins from this address or for this account in the last minute', closes: false },
  LOGIN_BUSY: { when: 'too many logins are being checked at once; try again', closes: false },
  PLAINTEXT_AUTH_REFUSED: { when: 'a password over an unencrypted connection from another machine', closes: false },
  ALREADY_LOGGED_IN: { when: 'AUTH or PASS after a successful one', closes: false },
  NOT_OPERATOR: { when: 'KICK, BAN, UNBAN, BANS or WHOIS from a user not logged in as an operator', closes: false },
  BAN_INVALID: { when: 'BAN or UNBAN of something that is neither a user name nor an address', closes: false },
  NO_SUCH_BAN: { when: 'UNBAN of a name or address that is not banned', closes: false },
  BANNED: { when: 'the name or the address is banned', closes: true },
  KICKED: { when: 'an operator removed the user; the text names the operator and the reason', closes: true },
} as const;

export type AccountErrorCode = keyof typeof ACCOUNT_ERROR_CODES;
