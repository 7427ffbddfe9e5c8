// Every refusal or warning the UDP chat server sends is one datagram, `[SERVER] <CODE>: <text>`
// (or `[SERVER] <CODE>` alone when the anti-amplification budget has no room for the text).
// Codes are stable and listed in docs/PROTOCOL.md; the text may change. Codes shared with the
// TCP chat keep its names.
export const UDP_ERROR_CODES = {
  NAME_INVALID: 'the name breaks the name rules, or is reserved',
  NAME_TAKEN: 'another user has that name (compared case-insensitively)',
  SERVER_FULL: 'the server is at max-clients',
  ALREADY_REGISTERED: '/join from an address that is already in the chat',
  DATAGRAM_TOO_LONG: 'the datagram was over max-datagram-bytes and was dropped',
  FLOOD: 'datagrams came faster than the rate limit; the ones over it were dropped',
  SERVER_BUSY: 'the server is at its cap of bytes sent per second; the message was not relayed',
  IDLE_TIMEOUT: 'nothing came from the address for idle-timeout: it left the chat',
  REPLACED: 'the same name joined again from the same IP address and this address did not answer',
} as const;

export type UdpErrorCode = keyof typeof UDP_ERROR_CODES;

/** Codes after which the address is no longer in the chat. */
export const UDP_FATAL_CODES: ReadonlySet<UdpErrorCode> = new Set<UdpErrorCode>(['IDLE_TIMEOUT', 'REPLACED']);
