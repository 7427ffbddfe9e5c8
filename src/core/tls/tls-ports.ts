// Telling a plain client from a TLS client by its first byte, so a client on the wrong port
// hears why at once instead of hanging or failing in bytes. On the TLS port the runtime answers
// a non-TLS first byte with the TLS_REQUIRED line; on the plain port a TLS ClientHello is closed.
import type { TcpConnection } from '../../runtime/types.ts';

/** The first byte of a TLS handshake record: every ClientHello begins with it. */
const TLS_HANDSHAKE_RECORD = 0x16;

export const TLS_REQUIRED_TEXT = 'this port speaks TLS: connect with --tls or a netchats://host:port address';

/** Call `detected` when the connection's first bytes are a TLS handshake (a TLS client on a plain port). */
export function onTlsClientHello(connection: TcpConnection, detected: () => void): void {
  const first = (chunk: Uint8Array) => {
    connection.off('data', first);
    if (chunk[0] === TLS_HANDSHAKE_RECORD) detected();
  };
  connection.on('data', first);
}
