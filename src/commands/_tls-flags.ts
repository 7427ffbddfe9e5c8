// TLS for the commands: the flags, what they mean, and what is said about certificates. Clients
// (`join`, `send-file`, `echo HOST`) get a `connectTcp` that only hands out connections to a
// trusted server; servers (`serve`, `echo`) get their credentials and a SIGHUP reload. The decisions live in src/core/tls/.
import type { ArgsDef } from 'citty';
import type { ChatServer } from '../core/chat/chat-server.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { CertificateStoreError, loadServerCredentials, type CertificateSource } from '../core/tls/certificate-store.ts';
import { KNOWN_HOSTS_FILE, KnownHosts } from '../core/tls/known-hosts.ts';
import { readSmallText } from '../core/tls/small-files.ts';
import { ServerTrustError, trustedConnectTcp, type ServerTrustPolicy } from '../core/tls/server-trust.ts';
import { formatFingerprint, parseFingerprint } from '../protocol/tls/fingerprint.ts';
import { getRuntime, type Runtime } from '../runtime/index.ts';
import type { TlsCredentials, TlsServerOptions } from '../runtime/types.ts';
import { splitHostPort } from './_address-args.ts';
import { parsePort, parseSeconds, UsageError } from './_shared.ts';

const TLS_SCHEME = 'netchats://';
const PLAIN_SCHEME = 'netchat://';

export const serveTlsArgs = {
  tls: { type: 'boolean', description: 'Speak TLS on --port (a self-signed certificate is made once in --state-dir unless --tls-cert is given)', default: false },
  'tls-port': { type: 'string', description: 'Also listen for TLS on this port, beside plain TCP on --port (one chat)', valueHint: 'port' },
  'tls-cert': { type: 'string', description: 'PEM certificate (chain) for TLS, e.g. CA-issued; reread on SIGHUP', valueHint: 'file' },
  'tls-key': { type: 'string', description: 'PEM private key of --tls-cert; reread on SIGHUP', valueHint: 'file' },
  'tls-handshake-timeout': { type: 'string', description: 'Seconds a TLS handshake may take before the connection is dropped (default 10)', valueHint: 'seconds' },
} as const satisfies ArgsDef;

export const clientTlsArgs = {
  tls: { type: 'boolean', description: 'Connect with TLS (also implied by a netchats://host:port address)', default: false },
  fingerprint: { type: 'string', description: "Accept only the server certificate with this fingerprint (sha256:<hex>, as serve logs it)", valueHint: 'sha256:hex' },
  'tls-ca': { type: 'string', description: 'Trust the authorities in this PEM file instead of the system ones (host name checked)', valueHint: 'file' },
  insecure: { type: 'boolean', description: 'TLS without checking the certificate at all (encrypted, not authenticated)', default: false },
} as const satisfies ArgsDef;

type ServeTlsFlags = { [K in keyof typeof serveTlsArgs]?: string | boolean };
type ClientTlsFlags = { [K in keyof typeof clientTlsArgs]?: string | boolean };
type Logger = { info(message: string): void; warn(message: string): void; error(message: string): void };

/** An address without its `netchats://` (TLS) or `netchat://` scheme, and whether TLS was asked. */
export function withoutScheme(text: string, what = 'HOST'): { rest: string; tls: boolean } {
  const lower = text.trim().toLowerCase();
  const scheme = lower.startsWith(TLS_SCHEME) ? TLS_SCHEME : lower.startsWith(PLAIN_SCHEME) ? PLAIN_SCHEME : undefined;
  if (!scheme) return { rest: text, tls: false };
  const rest = text.trim().slice(scheme.length).replace(/\/$/, '');
  if (/[/@?#]/.test(rest)) throw new UsageError(`${what} "${text}" is not a ${scheme}host:port address`);
  return { rest, tls: scheme === TLS_SCHEME };
}

/** A server address as typed: `host`, `host:port`, `netchats://host:port` (TLS), `netchat://host:port`. */
export function parseChatAddress(text: string, what = 'HOST'): { host: string; port?: number; tls: boolean } {
  const { rest, tls } = withoutScheme(text, what);
  return { ...splitHostPort(rest, what, false), tls };
}

/** The server's TLS options from the flags, its certificate loaded (or made once); undefined without TLS. */
export async function serveTlsOptions(flags: ServeTlsFlags, stateDir: string, logger: Logger): Promise<{ options: TlsServerOptions & { port?: number }; source: CertificateSource } | undefined> {
  const tlsPort = flags['tls-port'] === undefined ? undefined : parsePort(flags['tls-port'], '--tls-port');
  if (!flags.tls && tlsPort === undefined) {
    if (flags['tls-cert'] !== undefined || flags['tls-key'] !== undefined) throw new UsageError('--tls-cert and --tls-key need --tls or --tls-port');
    return undefined;
  }
  if (flags.tls && tlsPort !== undefined) throw new UsageError('--tls makes --port speak TLS; --tls-port adds a TLS port beside a plain one: choose one');
  const handshakeTimeoutMs = parseSeconds(flags['tls-handshake-timeout'], '--tls-handshake-timeout');
  if (handshakeTimeoutMs !== undefined && handshakeTimeoutMs <= 0) throw new UsageError('--tls-handshake-timeout must be more than 0 seconds');
  const source: CertificateSource = {
    stateDir,
    ...(typeof flags['tls-cert'] === 'string' && { certificateFile: flags['tls-cert'] }),
    ...(typeof flags['tls-key'] === 'string' && { keyFile: flags['tls-key'] }),
  };
  const credentials = await loadCredentials(source, logger);
  return {
    source,
    options: {
      cert: credentials.cert,
      key: credentials.key,
      ...(tlsPort !== undefined && { port: tlsPort }),
      ...(handshakeTimeoutMs !== undefined && { handshakeTimeoutMs }),
    },
  };
}

async function loadCredentials(source: CertificateSource, logger: Logger) {
  const runtime = getRuntime();
  try {
    const credentials = await loadServerCredentials({ store: runtime.files, ...runtime }, source);
    if (credentials.created) logger.info(`made a self-signed TLS certificate: ${credentials.certificatePath} (key ${credentials.keyPath}, mode 0600)`);
    logger.info(`TLS certificate ${formatFingerprint(credentials.fingerprint256)}`);
    return credentials;
  } catch (error) {
    if (error instanceof CertificateStoreError) throw new UsageError(error.message);
    throw error;
  }
}

/** Where the server listens with TLS, for the start-up log. */
export function logTlsListening(server: ChatServer, logger: Logger): void {
  for (const { address, encrypted } of server.listening) {
    if (encrypted) logger.info(`TLS on ${formatHostPort(address.address, address.port)} (clients: --tls or netchats://host:port)`);
  }
}

/** On SIGHUP read the certificate and key again; connections open keep theirs. `alsoReload` gets them once the server took them. */
export function reloadTlsOnHangup(
  server: { setTlsCredentials(credentials: TlsCredentials): void },
  source: CertificateSource,
  logger: Logger,
  alsoReload?: (credentials: TlsCredentials) => void,
): () => void {
  const onHangup = () => {
    loadCredentials(source, logger).then(
      (credentials) => {
        try {
          server.setTlsCredentials(credentials);
          logger.info('SIGHUP: TLS certificate reloaded for new connections');
          alsoReload?.(credentials);
        } catch (error) {
          logger.error(`SIGHUP: TLS certificate not reloaded, keeping the old one: ${(error as Error).message}`);
        }
      },
      (error: unknown) => logger.error(`SIGHUP: TLS certificate not reloaded, keeping the old one: ${(error as Error).message}`),
    );
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

/** Whether a client's flags (or a `netchats://` address, `typedTls`) ask for TLS: any TLS flag implies it. */
export function wantsClientTls(flags: ClientTlsFlags, typedTls: boolean): boolean {
  return typedTls || flags.tls === true || flags.fingerprint !== undefined || flags.insecure === true || flags['tls-ca'] !== undefined;
}

/**
 * The runtime a client connects through: with TLS asked for, a `connectTcp` that hands out
 * only connections to a server that passed the checks (and says why not, loudly, on stderr).
 */
export async function clientTlsRuntime(
  flags: ClientTlsFlags,
  want: { tls: boolean; stateDir: string },
  logger: Logger,
): Promise<Runtime> {
  const runtime = getRuntime();
  const pinned = typeof flags.fingerprint === 'string' ? parseFingerprint(flags.fingerprint) : undefined;
  if (typeof flags.fingerprint === 'string' && !pinned) throw new UsageError(`--fingerprint must be sha256: and 64 hex digits, got "${flags.fingerprint}"`);
  if (!wantsClientTls(flags, want.tls)) return runtime;
  if (flags.insecure && (pinned || flags['tls-ca'] !== undefined)) throw new UsageError('--insecure checks nothing: it cannot go with --fingerprint or --tls-ca');
  let ca: string | undefined;
  if (typeof flags['tls-ca'] === 'string') {
    ca = await readText(runtime, flags['tls-ca']);
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--tls-ca ${flags['tls-ca']} holds no PEM certificate`);
  }
  const policy: ServerTrustPolicy = flags.insecure
    ? { kind: 'insecure' }
    : pinned
      ? { kind: 'fingerprint', fingerprint256: pinned }
      : { kind: 'known-hosts', knownHosts: new KnownHosts(runtime.files, runtime.files.join(want.stateDir, KNOWN_HOSTS_FILE)) };
  if (flags.insecure) logger.warn('--insecure: the connection is encrypted, but nothing proves which server it reaches');
  const connect = trustedConnectTcp(runtime.connectTcp, {
    policy,
    ...(ca !== undefined && { ca }),
    onFirstUse: (seen) =>
      logger.warn(`first TLS connection to ${formatHostPort(seen.host, seen.port)}: trusting its certificate ${formatFingerprint(seen.fingerprint256)} from now on (recorded in ${seen.file})`),
  });
  let warned = false;
  return {
    ...runtime,
    connectTcp: (options) =>
      connect(options).catch((error: unknown) => {
        // Transfers reuse the connector: the warning is said once.
        if (error instanceof ServerTrustError && !warned) {
          warned = true;
          // One line at a time: the log makes each line safe for the terminal, and a newline in
          // one would be shown as U+FFFD, as in anything a server says.
          for (const line of describeTrustError(error).split('\n')) logger.error(line);
        }
        throw error;
      }),
  };
}

async function readText(runtime: Runtime, path: string): Promise<string> {
  try {
    const text = await readSmallText(runtime.files, path);
    if (text !== undefined) return text;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as { code?: string }).code ?? (error as Error).message}`);
  }
  throw new UsageError(`cannot read ${path}: ENOENT`);
}

/** What the user is told when a server's certificate is refused, in ssh's words where they fit. */
export function describeTrustError(error: ServerTrustError): string {
  const actual = error.actual ? formatFingerprint(error.actual) : '(no certificate)';
  if (error.code === 'TLS_HOST_CHANGED') {
    return [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: SERVER CERTIFICATE HAS CHANGED!             @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
      'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
      'It is also possible that the server has just been given a new certificate.',
      `The TLS certificate of ${error.server} has fingerprint`,
      `    ${actual}`,
      `but ${error.file} recorded`,
      `    ${formatFingerprint(error.expected!)}`,
      `Nothing was sent. If the change is expected, remove the line for ${error.server} from ${error.file},`,
      `or connect with --fingerprint ${actual}.`,
    ].join('\n');
  }
  if (error.code === 'TLS_FINGERPRINT_MISMATCH') {
    return `the TLS certificate of ${error.server} is ${actual}, not ${formatFingerprint(error.expected!)} as --fingerprint says: nothing was sent`;
  }
  return `the TLS certificate of ${error.server} is not trusted: ${error.message} (${actual}); nothing was sent`;
}

export const isTrustRefusal = (code: string | undefined) => code === 'TLS_HOST_CHANGED' || code === 'TLS_FINGERPRINT_MISMATCH' || code === 'TLS_UNTRUSTED';
