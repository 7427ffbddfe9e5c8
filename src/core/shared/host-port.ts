// How an address and port are written for people: `127.0.0.1:12000`, `[::1]:12000`. An IPv6
// address holds colons itself, so it goes in brackets, as in URLs (RFC 3986).

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `host`, `host:port`, `[v6]:port` or a bare IPv6 address, as typed: the host and, when one was
 * given, the port text's number (undefined when absent or not all digits).
 */
export function parseHostPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] !== undefined && { port: Number(bracketed[2]) }) };
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    if (/^\d{1,5}$/.test(port)) return { host, port: Number(port) };
  }
  return { host: text };
}
