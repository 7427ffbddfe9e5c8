// Names and addresses an operator banned, kept in the state folder across restarts. An address
// ban covers what the per-address limits count as one address (address-key.ts: an IPv4 address
// or an IPv6 /64). Saving is serialized and atomic; a failed save is reported, never thrown,
// and the ban holds in memory all the same.
import { formatBansFile, parseBansFile, type Ban } from '../../protocol/accounts/bans-file.ts';
import { MAX_ACCOUNT_NAME_LENGTH } from '../../protocol/accounts/accounts-file.ts';
import { checkUserName, nameKey } from '../../protocol/shared/names.ts';
import type { SmallTextFiles } from '../../runtime/small-text-files.ts';
import { addressKey } from '../chat/address-key.ts';

export type { Ban };

/** Where bans are kept; without it they last as long as the server. */
export interface BanStorage {
  files: SmallTextFiles;
  path: string;
  onSaveError(error: Error): void;
}

/** The most bans a server keeps. */
export const MAX_BANS = 10_000;
const MAX_BANS_FILE_BYTES = 4 * 1024 * 1024;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * What `BAN <text>` means: an address when it reads as one (an IPv4 address, or anything with
 * a `:` as IPv6; `/64` may follow), else a user name; undefined when it is neither. A name that
 * looks like an IPv4 address is taken as the address.
 */
export function parseBanTarget(text: string): Ban | undefined {
  const trimmed = text.trim();
  if (IPV4.test(trimmed)) {
    return trimmed.split('.').every((part) => Number(part) <= 255) ? { kind: 'address', target: addressKey(trimmed) } : undefined;
  }
  if (trimmed.includes(':')) {
    const key = addressKey(trimmed.replace(/\/64$/, ''));
    return key.endsWith('::/64') || IPV4.test(key) ? { kind: 'address', target: key } : undefined;
  }
  if (checkUserName(trimmed, MAX_ACCOUNT_NAME_LENGTH)) return undefined;
  return { kind: 'name', target: trimmed };
}

/** An address ban in the form the per-address limits count it (from a hand-edited file too). */
const normalized = (ban: Ban): Ban => (ban.kind === 'name' ? ban : { kind: 'address', target: addressKey(ban.target.replace(/\/64$/, '')) });
const banKey = (ban: Ban) => (ban.kind === 'name' ? `name ${nameKey(ban.target)}` : `address ${normalized(ban).target}`);

export class BanList {
  private readonly bans = new Map<string, Ban>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly storage: BanStorage | undefined) {}

  /** The bans kept in `storage` (none when its file does not exist yet). Throws on a malformed file. */
  static async open(storage: BanStorage | undefined): Promise<BanList> {
    const list = new BanList(storage);
    const text = storage ? await storage.files.read(storage.path, MAX_BANS_FILE_BYTES) : undefined;
    for (const ban of text === undefined ? [] : parseBansFile(text)) list.bans.set(banKey(ban), normalized(ban));
    return list;
  }

  get size(): number {
    return this.bans.size;
  }

  list(): Ban[] {
    return [...this.bans.values()];
  }

  nameBanned(name: string): boolean {
    return this.bans.has(banKey({ kind: 'name', target: name }));
  }

  addressBanned(address: string): boolean {
    return this.bans.has(banKey({ kind: 'address', target: addressKey(address) }));
  }

  /** 'added', 'exists', or 'full' at MAX_BANS. */
  add(ban: Ban): 'added' | 'exists' | 'full' {
    const key = banKey(ban);
    if (this.bans.has(key)) return 'exists';
    if (this.bans.size >= MAX_BANS) return 'full';
    this.bans.set(key, normalized(ban));
    this.save();
    return 'added';
  }

  /** Whether it was banned. */
  remove(ban: Ban): boolean {
    if (!this.bans.delete(banKey(ban))) return false;
    this.save();
    return true;
  }

  /** Resolves once every change so far is on disk (or failed and was reported). */
  flushed(): Promise<void> {
    return this.saving;
  }

  private save(): void {
    const storage = this.storage;
    if (!storage) return;
    // Each save writes the whole list as it is when its turn comes, so the last one wins.
    this.saving = this.saving.then(() =>
      storage.files.replace(storage.path, formatBansFile(this.list()), 0o600).catch((error: Error) => storage.onSaveError(error)),
    );
  }
}
