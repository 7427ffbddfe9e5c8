// Which connections count as "one address" for the per-address limits. An IPv4 address is one
// address. An IPv6 address is grouped by its /64 prefix, as ergo and most IRC networks do:
// one customer or host usually gets a whole /64, so counting single IPv6 addresses would give
// one attacker 2^64 fresh addresses. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack
// listener reports for IPv4 peers) is the IPv4 address.

const MAPPED_IPV4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** The key the per-address limits count `address` under. */
export function addressKey(address: string): string {
  const zoneless = address.replace(/%.*$/, '');
  if (!zoneless.includes(':')) return zoneless;
  const mapped = MAPPED_IPV4.exec(zoneless);
  if (mapped) return mapped[1]!;
  const prefix = firstHextets(zoneless, 4);
  return prefix ? `${prefix.join(':')}::/64` : zoneless.toLowerCase();
}

/** The first `count` 16-bit groups of an IPv6 address, normalised; undefined when it does not parse. */
function firstHextets(address: string, count: number): string[] | undefined {
  const halves = address.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  // A trailing dotted IPv4 part stands for two groups.
  const last = (halves.length === 2 ? tail : head).at(-1);
  const width = head.length + tail.length + (last?.includes('.') ? 1 : 0);
  const missing = halves.length === 2 ? 8 - width : 0;
  if (missing < 0 || (halves.length === 1 && width !== 8)) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const wanted = all.slice(0, count);
  if (!wanted.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return wanted.map((group) => group.replace(/^0+(?=.)/, ''));
}
