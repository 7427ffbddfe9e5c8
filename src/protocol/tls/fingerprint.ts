// A certificate's SHA-256 fingerprint as people read and type it: `sha256:` and 64 lowercase hex
// digits. Typed ones are accepted the ways tools print them: with or without the prefix, in
// either case, with or without the colons `openssl x509 -fingerprint` puts between bytes.

const PREFIX = 'sha256:';

/** `sha256:<hex>` for a fingerprint in lowercase hex. */
export function formatFingerprint(hex: string): string {
  return `${PREFIX}${hex.toLowerCase()}`;
}

/** The 64 lowercase hex digits of a typed fingerprint, or undefined when it is not one. */
export function parseFingerprint(text: string): string | undefined {
  let rest = text.trim();
  if (rest.toLowerCase().startsWith(PREFIX)) rest = rest.slice(PREFIX.length);
  else if (rest.toLowerCase().startsWith('sha256 fingerprint=')) rest = rest.slice('sha256 fingerprint='.length);
  const hex = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){31}$/.test(rest) ? rest.replaceAll(':', '') : rest;
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}
