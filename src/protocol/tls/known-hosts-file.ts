// The known-hosts file: the certificate each TLS server had the first time we connected to it,
// one line per server, `host:port sha256:<hex>`, like ssh's known_hosts. Lines starting with `#`
// and blank lines are kept for people; a line that does not parse is skipped, never fatal, and
// the first line for a server wins (a later duplicate cannot override it).
import { formatFingerprint, parseFingerprint } from './fingerprint.ts';

/** The server's key in the file: `host:port`, an IPv6 host in brackets, host names in lowercase. */
export function knownHostKey(host: string, port: number): string {
  const name = host.toLowerCase();
  return name.includes(':') ? `[${name}]:${port}` : `${name}:${port}`;
}

/** Every server in the file and its fingerprint (lowercase hex). */
export function parseKnownHosts(text: string): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [key, fingerprintText, ...extra] = trimmed.split(/\s+/);
    const fingerprint = fingerprintText === undefined ? undefined : parseFingerprint(fingerprintText);
    if (!key || !fingerprint || extra.length > 0 || hosts.has(key.toLowerCase())) continue;
    hosts.set(key.toLowerCase(), fingerprint);
  }
  return hosts;
}

export function knownHostLine(key: string, fingerprintHex: string): string {
  return `${key} ${formatFingerprint(fingerprintHex)}\n`;
}
