// An X.509 certificate written as DER with node:crypto alone: ECDSA P-256 signed with SHA-256,
// which Node's OpenSSL, Bun's BoringSSL and Deno's rustls all accept (rustls refuses SHA-1, the
// default of the usual npm packages). Self-signed by default; given an issuer, signed by it, so
// a test can build a small certificate authority.
import { createHash, createPrivateKey, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import net from 'node:net';
import { runtimeError } from './runtime-errors.ts';
import type { CertificateOptions, IssuedCertificate } from './types.ts';

const DAY_MS = 86_400_000;
const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extendedKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function length(size: number): number[] {
  if (size < 0x80) return [size];
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.from([tag, ...length(body.length)]), body]);
}

const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
const bitString = (bytes: Uint8Array) => tlv(0x03, Uint8Array.of(0), bytes);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const explicit = (index: number, content: Uint8Array) => tlv(0xa0 + index, content);

function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

function positiveInteger(bytes: Uint8Array): Uint8Array {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), bytes]) : bytes);
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 requires. */
function time(at: Date): Uint8Array {
  const digits = at.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return at.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'latin1')) : tlv(0x18, Buffer.from(digits, 'latin1'));
}

const name = (commonName: string) => sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
const extension = (id: string, value: Uint8Array, critical = false) =>
  sequence(oid(id), ...(critical ? [tlv(0x01, Uint8Array.of(0xff))] : []), octetString(value));

function alternativeName(entry: string): Uint8Array {
  if (net.isIPv4(entry)) return tlv(0x87, Uint8Array.from(entry.split('.').map(Number)));
  if (net.isIPv6(entry)) return tlv(0x87, ipv6Bytes(entry));
  return tlv(0x82, Buffer.from(entry, 'latin1'));
}

function ipv6Bytes(address: string): Uint8Array {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail ?? '').length;
  const all = [...groups(head), ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...groups(tail ?? '')];
  return Uint8Array.from(all.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

const toPem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

/** Hex SHA-256 of a certificate's DER bytes: the fingerprint users compare. */
export function certificateFingerprint256(certificate: string | Uint8Array): string {
  const der = typeof certificate === 'string' ? pemBody(certificate) : certificate;
  return createHash('sha256').update(der).digest('hex');
}

function pemBody(pem: string): Uint8Array {
  const match = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw runtimeError('TLS_BAD_CERTIFICATE', 'not a PEM certificate');
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

/**
 * A new P-256 key and a certificate for it, valid from an hour ago (clock skew) for
 * `validDays`. Host names and IP addresses go into subjectAltName, which is what clients check.
 */
export function createCertificate(options: CertificateOptions = {}): IssuedCertificate {
  const commonName = options.commonName ?? 'netchat';
  const altNames = options.altNames ?? ['localhost', '127.0.0.1', '::1'];
  const now = options.now ?? new Date();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer: KeyObject = options.issuer ? createPrivateKey(options.issuer.privateKeyPem) : privateKey;
  const issuerName = options.issuer ? name(options.issuer.commonName) : name(commonName);
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, sequence(...(options.isAuthority ? [tlv(0x01, Uint8Array.of(0xff))] : [])), true),
    ...(options.isAuthority ? [] : [extension(OID.extendedKeyUsage, sequence(oid(OID.serverAuth), oid(OID.clientAuth)))]),
    ...(altNames.length > 0 ? [extension(OID.subjectAltName, sequence(...altNames.map(alternativeName)))] : []),
  ];
  const serial = randomBytes(16);
  // Positive and minimal in DER: a leading zero byte before a byte under 0x80 is "illegal
  // padding" to OpenSSL, which then refuses the certificate (once in about 256 before this).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = sequence(
    explicit(0, tlv(0x02, Uint8Array.of(2))),
    positiveInteger(serial),
    algorithm,
    issuerName,
    sequence(time(new Date(now.getTime() - 3_600_000)), time(new Date(now.getTime() + (options.validDays ?? 365) * DAY_MS))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = createSign('sha256').update(tbs).sign(signer);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    certificatePem: toPem('CERTIFICATE', der),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    commonName,
    fingerprint256: certificateFingerprint256(der),
  };
}
