// Unpredictable tokens (transfer tickets, partial-file names) from the Web Crypto random source,
// which Node, Bun and Deno all provide as a global.
export function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  let hex = '';
  for (const byte of buffer) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
