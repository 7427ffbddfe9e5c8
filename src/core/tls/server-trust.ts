// Whether a TLS server is the one we mean, decided before a single byte of ours is sent: a
// certificate that chains to a trusted authority and names the host is accepted as usual;
// otherwise the fingerprint must be the pinned one, or the one the known-hosts file recorded the
// first time (trust on first use, as ssh does). `insecure` skips every check.
import type { TcpConnectOptions, TcpConnection } from '../../runtime/types.ts';
import { knownHostKey } from '../../protocol/tls/known-hosts-file.ts';
import type { KnownHosts } from './known-hosts.ts';

export type ServerTrustPolicy =
  /** Authorities, else trust on first use through the known-hosts file. */
  | { kind: 'known-hosts'; knownHosts: KnownHosts }
  /** Exactly this certificate (lowercase hex SHA-256), whoever signed it. */
  | { kind: 'fingerprint'; fingerprint256: string }
  /** Any certificate: encrypted, but not authenticated. */
  | { kind: 'insecure' };

export interface ServerTrustOptions {
  policy: ServerTrustPolicy;
  /**
   * Authorities to trust instead of the system's (PEM). Given, a certificate must verify against
   * them, host name included: a failure is refused, never trusted on first use.
   */
  ca?: string;
  /** The host name to ask for and verify, when it differs from the address connected to. */
  servername?: string;
  /** A server recorded in the known-hosts file for the first time: tell the user. */
  onFirstUse?: (seen: { host: string; port: number; fingerprint256: string; file: string }) => void;
}

export type ServerTrustCode = 'TLS_HOST_CHANGED' | 'TLS_FINGERPRINT_MISMATCH' | 'TLS_UNTRUSTED';

/** The server's certificate is not the one expected; the connection was closed before use. */
export class ServerTrustError extends Error {
  constructor(
    readonly code: ServerTrustCode,
    message: string,
    readonly server: string,
    /** What the server showed (lowercase hex SHA-256), when it showed a certificate. */
    readonly actual: string | undefined,
    /** What was expected: the pin or the known-hosts entry. */
    readonly expected?: string,
    /** The known-hosts file holding `expected`. */
    readonly file?: string,
  ) {
    super(message);
  }
}

type ConnectTcp = (options: TcpConnectOptions) => Promise<TcpConnection>;

/** `connectTcp` over TLS, resolving only with a connection to a server that passed the policy. */
export function trustedConnectTcp(connectTcp: ConnectTcp, options: ServerTrustOptions): ConnectTcp {
  return async (target) => {
    const connection = await connectTcp({
      ...target,
      tls: { rejectUnauthorized: false, ...(options.ca !== undefined && { ca: options.ca }), ...(options.servername !== undefined && { servername: options.servername }) },
    });
    try {
      await check(connection, target.host, target.port, options);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  };
}

async function check(connection: TcpConnection, host: string, port: number, options: ServerTrustOptions): Promise<void> {
  const { policy } = options;
  const server = knownHostKey(host, port);
  const actual = connection.peerCertificateFingerprint256;
  if (policy.kind === 'insecure') return;
  if (policy.kind === 'fingerprint') {
    if (actual === policy.fingerprint256) return;
    throw new ServerTrustError('TLS_FINGERPRINT_MISMATCH', `the certificate of ${server} is not the one --fingerprint names`, server, actual, policy.fingerprint256);
  }
  if (connection.peerCertificateVerified) return;
  if (options.ca !== undefined) {
    throw new ServerTrustError('TLS_UNTRUSTED', `the certificate of ${server} does not verify against the given authorities for ${options.servername ?? host}`, server, actual);
  }
  if (actual === undefined) throw new ServerTrustError('TLS_UNTRUSTED', `${server} sent no certificate`, server, actual);
  const known = await policy.knownHosts.lookup(host, port);
  if (known === actual) return;
  if (known !== undefined) {
    throw new ServerTrustError('TLS_HOST_CHANGED', `the certificate of ${server} has changed since it was first trusted`, server, actual, known, policy.knownHosts.path);
  }
  await policy.knownHosts.remember(host, port, actual);
  options.onFirstUse?.({ host, port, fingerprint256: actual, file: policy.knownHosts.path });
}
