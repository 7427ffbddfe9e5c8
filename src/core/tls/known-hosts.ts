// Trust on first use: the fingerprint each TLS server showed the first time, kept in the
// known-hosts file of the state folder. Read at each lookup, so two netchat processes (a join
// and a send-file) see each other's entries; a new entry is appended, never rewritten.
import { knownHostKey, knownHostLine, parseKnownHosts } from '../../protocol/tls/known-hosts-file.ts';
import type { FileStore } from '../../runtime/types.ts';
import { readSmallText, writeSmallText } from './small-files.ts';

export const KNOWN_HOSTS_FILE = 'known_hosts';

export class KnownHosts {
  constructor(
    private readonly store: FileStore,
    /** The file itself (`<state-dir>/known_hosts`). */
    readonly path: string,
  ) {}

  /** The fingerprint recorded for the server, if any. */
  async lookup(host: string, port: number): Promise<string | undefined> {
    const text = await readSmallText(this.store, this.path);
    return text === undefined ? undefined : parseKnownHosts(text).get(knownHostKey(host, port));
  }

  /** Record a server seen for the first time; a server already there keeps its first entry. */
  async remember(host: string, port: number, fingerprintHex: string): Promise<void> {
    await writeSmallText(this.store, this.path, knownHostLine(knownHostKey(host, port), fingerprintHex), 'append');
  }
}
