// What the chat server reports to whoever runs it (the `serve` command logs these). The core
// never prints; it only emits.
import type { SocketAddress } from '../../runtime/types.ts';

/** Why a connection ended. The text is shown to other users and written to the log. */
export const DISCONNECT_REASONS = {
  quit: 'quit',
  'closed-by-peer': 'connection closed by peer',
  reset: 'connection reset',
  'send-queue-full': 'send queue full',
  flood: 'flood',
  'input-overflow': 'input overflow',
  'registration-timeout': 'registration timeout',
  'ping-timeout': 'ping timeout',
  'server-shutdown': 'server shutdown',
  'transfer-done': 'file transfer done',
  'transfer-idle': 'file transfer stalled',
  'transfer-broken': 'file transfer broken',
  kicked: 'kicked',
  banned: 'banned',
  'login-required': 'login required',
  'upload-refused': 'upload refused',
} as const;

export type DisconnectReason = keyof typeof DISCONNECT_REASONS;

/** Why a connection was refused before it became a session (the ERROR code it was sent). */
export type RefusalCode = 'SERVER_FULL' | 'TOO_MANY_CONNECTIONS' | 'CONNECTING_TOO_FAST' | 'BANNED';

export type ChatServerEvent =
  | { type: 'connect'; id: number; remote: SocketAddress }
  | { type: 'register'; id: number; remote: SocketAddress; name: string }
  | {
      type: 'disconnect';
      id: number;
      remote: SocketAddress;
      /** Set when the connection had registered. */
      name?: string;
      reason: DisconnectReason;
      /** The QUIT message, when the client gave one. */
      message?: string;
    }
  | { type: 'refuse'; remote: SocketAddress; code: RefusalCode }
  /**
   * A connection that never became a session for want of TLS: its handshake failed or timed out
   * (`TLS_HANDSHAKE_FAILED`, `TLS_HANDSHAKE_TIMEOUT`), it spoke plain TCP to the TLS port
   * (`TLS_PEER_NOT_TLS`), or began a TLS handshake on the plain port (`TLS_CLIENT_ON_PLAIN_PORT`).
   */
  | { type: 'tls-failed'; remote: SocketAddress; code: string }
  /** Out of file descriptors (`code` EMFILE or ENFILE): not accepting until some close. Once per spell. */
  | { type: 'accept-paused'; code: string; connections: number }
  /** Accepting again after `accept-paused`. */
  | { type: 'accept-resumed'; connections: number };

export type ChatServerEventListener = (event: ChatServerEvent) => void;
