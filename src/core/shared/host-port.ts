// How an address and port are written for people: `127.0.0.1:12000`, `[::1]:12000`. An IPv6
// address holds colons itself, so it goes in brackets, as in URLs (RFC 3986).

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
