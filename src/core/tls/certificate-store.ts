// The server's certificate and key: PEM files the operator names (a CA-issued certificate), or
// a self-signed one made on the first `serve --tls` and kept in the state folder, so clients that
// trusted it on first use keep trusting it across restarts. The key is written owner-only.
import type { FileStore, Runtime } from '../../runtime/types.ts';
import { readSmallText, writeSmallText } from './small-files.ts';

export const CERTIFICATE_FILE = 'tls-certificate.pem';
export const KEY_FILE = 'tls-key.pem';

export interface ServerCredentials {
  cert: string;
  key: string;
  /** Lowercase hex SHA-256 of the certificate, as clients see it. */
  fingerprint256: string;
  certificatePath: string;
  keyPath: string;
  /** Made by this call (the first start with no certificate). */
  created: boolean;
}

export type CertificateStoreCode = 'TLS_CREDENTIALS_MISSING' | 'TLS_BAD_CERTIFICATE';

export class CertificateStoreError extends Error {
  constructor(
    readonly code: CertificateStoreCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CertificateSource {
  /** Both or neither: PEM files given by the operator. */
  certificateFile?: string;
  keyFile?: string;
  /** Where a self-signed certificate is kept when no files are given. */
  stateDir: string;
  /** Names the self-signed certificate is for (default localhost and the loopback addresses). */
  altNames?: string[];
}

type Deps = { store: FileStore } & Pick<Runtime, 'createCertificate' | 'certificateFingerprint256'>;

/** Read the credentials (again, for a reload), making the self-signed pair once when there is none. */
export async function loadServerCredentials(deps: Deps, source: CertificateSource): Promise<ServerCredentials> {
  const { store } = deps;
  if ((source.certificateFile === undefined) !== (source.keyFile === undefined)) {
    throw new CertificateStoreError('TLS_CREDENTIALS_MISSING', 'a certificate and its key go together: give both files or neither');
  }
  const certificatePath = source.certificateFile ?? store.join(source.stateDir, CERTIFICATE_FILE);
  const keyPath = source.keyFile ?? store.join(source.stateDir, KEY_FILE);
  let [cert, key] = await Promise.all([readSmallText(store, certificatePath), readSmallText(store, keyPath)]);
  let created = false;
  if (cert === undefined && key === undefined && source.certificateFile === undefined) {
    const issued = deps.createCertificate({ commonName: 'netchat', ...(source.altNames && { altNames: source.altNames }), validDays: 3650 });
    // The key first: a certificate without its key would stop every later start.
    await writeSmallText(store, keyPath, issued.privateKeyPem, 'create');
    await writeSmallText(store, certificatePath, issued.certificatePem, 'create');
    [cert, key, created] = [issued.certificatePem, issued.privateKeyPem, true];
  }
  if (cert === undefined) throw new CertificateStoreError('TLS_CREDENTIALS_MISSING', `no certificate at ${certificatePath}`);
  if (key === undefined) throw new CertificateStoreError('TLS_CREDENTIALS_MISSING', `no key at ${keyPath}`);
  let fingerprint256: string;
  try {
    fingerprint256 = deps.certificateFingerprint256(cert);
  } catch {
    throw new CertificateStoreError('TLS_BAD_CERTIFICATE', `${certificatePath} holds no PEM certificate`);
  }
  return { cert, key, fingerprint256, certificatePath, keyPath, created };
}
