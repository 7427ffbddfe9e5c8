// The DER writer checked by an independent reader: node:crypto's X509Certificate (OpenSSL).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint256, createCertificate } from '../../src/runtime/self-signed-certificate.ts';

const colonless = (fingerprint: string) => fingerprint.replaceAll(':', '').toLowerCase();

describe('createCertificate', () => {
  it('writes a self-signed P-256 certificate for localhost and the loopback addresses', () => {
    const now = new Date('2030-03-04T05:06:07Z');
    const issued = createCertificate({ now });
    const x509 = new X509Certificate(issued.certificatePem);
    expect(x509.subject).toBe('CN=netchat');
    expect(x509.issuer).toBe('CN=netchat');
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.ca).toBe(false);
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
    expect(new Date(x509.validFrom).toISOString()).toBe('2030-03-04T04:06:07.000Z');
    expect(new Date(x509.validTo).toISOString()).toBe('2031-03-04T05:06:07.000Z');
    expect(issued.fingerprint256).toBe(colonless(x509.fingerprint256));
    expect(issued.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('signs with an authority when given one, and marks an authority as such', () => {
    const authority = createCertificate({ commonName: 'Test CA', isAuthority: true, altNames: [] });
    const leaf = createCertificate({ commonName: 'server', altNames: ['chat.example', '2001:db8::1'], issuer: authority });
    const [ca, x509] = [new X509Certificate(authority.certificatePem), new X509Certificate(leaf.certificatePem)];
    expect(ca.ca).toBe(true);
    expect(ca.subjectAltName).toBeUndefined();
    expect(x509.issuer).toBe('CN=Test CA');
    expect(x509.checkIssued(ca)).toBe(true);
    expect(x509.verify(ca.publicKey)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(false);
    expect(x509.checkHost('chat.example')).toBe('chat.example');
    expect(x509.checkIP('2001:db8::1')).toBe('2001:db8::1');
    expect(x509.checkHost('localhost')).toBeUndefined();
  });

  it('writes long names with long-form lengths, and GeneralizedTime from 2050 on', () => {
    const name = 'n'.repeat(300);
    const issued = createCertificate({ commonName: name, now: new Date('2049-12-01T00:00:00Z'), validDays: 60 });
    const x509 = new X509Certificate(issued.certificatePem);
    expect(x509.subject).toBe(`CN=${name}`);
    expect(new Date(x509.validTo).toISOString()).toBe('2050-01-30T00:00:00.000Z');
  });

  it('gives each certificate its own serial number and key', () => {
    const [a, b] = [createCertificate(), createCertificate()];
    expect(new X509Certificate(a.certificatePem).serialNumber).not.toBe(new X509Certificate(b.certificatePem).serialNumber);
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
  });
});

describe('certificateFingerprint256', () => {
  it('hashes the DER inside a PEM, or DER bytes, and refuses what is not a certificate', () => {
    const issued = createCertificate();
    const x509 = new X509Certificate(issued.certificatePem);
    expect(certificateFingerprint256(issued.certificatePem)).toBe(issued.fingerprint256);
    expect(certificateFingerprint256(x509.raw)).toBe(issued.fingerprint256);
    expect(() => certificateFingerprint256(issued.privateKeyPem)).toThrow(expect.objectContaining({ code: 'TLS_BAD_CERTIFICATE' }));
  });
});
