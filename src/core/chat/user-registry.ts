// Who is online and in which groups, and the one place that delivers to them: joins and
// leaves, broadcasts, private messages and group messages all leave through this class. Every
// line for several recipients is encoded once; each recipient gets the same bytes.
//
// The cluster seam: a backplane plugs in here and nowhere else. The public delivery methods
// (`add`/`remove` announcements, `broadcast`, `unicast`, the group methods) are where it would
// publish what users on other servers must see, and what it receives from other servers would
// be handed to the same local fan-out (`toAllExcept`, `toGroupExcept`, `toMember`), never
// published again. Sessions and command handlers never write to another user themselves.
import { serverLine, type GroupSummary } from '../../protocol/chat/chat-lines.ts';
import type { ErrorCode } from '../../protocol/chat/error-codes.ts';
import { checkGroupName, checkUserName, nameKey } from '../../protocol/shared/names.ts';
import { encodeLine } from '../links/line-link.ts';
import type { Clock } from '../shared/clock.ts';
import type { ChatLimits } from './chat-limits.ts';
import { NoticeBudget } from './notice-budget.ts';
import { SortedKeys } from './sorted-keys.ts';

export interface RegistryMember {
  /** Set once registered; the spelling the user chose. */
  name: string | undefined;
  /** Groups this member is in, created on the first JOIN_GROUP. */
  groups: Set<ChatGroup> | undefined;
  sendBytes(bytes: Uint8Array): void;
}

export interface ChatGroup {
  /** The spelling of whoever created it. */
  readonly name: string;
  readonly members: Set<RegistryMember>;
}

/** One page of a listing: the entries, how many there are in all, where to continue if more follow. */
export interface ListingPage<T> {
  entries: T[];
  total: number;
  continueAfter: string | undefined;
}

export type RegistryLimits = Pick<
  ChatLimits,
  'maxNameLength' | 'announceMaxUsers' | 'announceMaxPerSecond' | 'maxGroups' | 'maxGroupsPerUser' | 'groupAnnounceMaxMembers'
>;

export class UserRegistry {
  protected readonly users = new Map<string, RegistryMember>();
  protected readonly groups = new Map<string, ChatGroup>();
  /** The keys of `users` and `groups` in listing order. */
  private readonly userKeys = new SortedKeys();
  private readonly groupKeys = new SortedKeys();
  private readonly maxNameLength: number;
  private readonly notices: NoticeBudget;

  constructor(
    protected readonly limits: RegistryLimits,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.maxNameLength = limits.maxNameLength;
    this.notices = new NoticeBudget(limits.announceMaxPerSecond);
  }

  get userCount(): number {
    return this.users.size;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** Register `member` as `name` and tell the others; an error code when the name is refused. */
  add(member: RegistryMember, name: string): ErrorCode | undefined {
    const invalid = checkUserName(name, this.maxNameLength);
    if (invalid) return invalid;
    const key = nameKey(name);
    if (this.users.has(key)) return 'NAME_TAKEN';
    member.name = name;
    this.users.set(key, member);
    this.userKeys.add(key);
    if (this.announcing()) this.announcePresence('join', member, serverLine.userJoined(name));
    return undefined;
  }

  /**
   * A name that must be checked elsewhere first (across a cluster): a promise of `add`'s answer,
   * settled once the member is registered or refused; `isOpen` says whether the connection is
   * still there to register. Undefined on a lone server: call `add`.
   */
  claim(_member: RegistryMember, _name: string, _isOpen: () => boolean): Promise<ErrorCode | undefined> | undefined {
    return undefined;
  }

  /** Forget `member` and its group memberships; `reason` set → the others are told. */
  remove(member: RegistryMember, reason?: string): void {
    if (member.name === undefined || this.users.get(nameKey(member.name)) !== member) return;
    const announce = reason !== undefined && this.announcing();
    this.users.delete(nameKey(member.name));
    this.userKeys.delete(nameKey(member.name));
    for (const group of member.groups ?? []) this.dropMember(group, member);
    member.groups = undefined;
    if (announce) this.announcePresence('leave', member, serverLine.userLeft(member.name, reason));
  }

  /** Whether joins and leaves are announced with the current number of users (counting the subject). */
  private announcing(): boolean {
    return this.limits.announceMaxUsers === 0 || this.users.size <= this.limits.announceMaxUsers;
  }

  /** A join or leave notice to everyone but its subject, within the server's announce rate. */
  private announcePresence(kind: 'join' | 'leave', subject: RegistryMember, line: string): void {
    // A joining subject is registered already, a leaving one is gone: is anyone else there?
    if (this.users.size === (kind === 'join' ? 1 : 0)) return;
    const now = this.clock.now();
    this.sendNoticeSummary(now, subject);
    if (this.notices.allow(kind, now)) this.toAllExcept(subject, line);
  }

  /**
   * Tell everyone (but `except`) how many notices the announce rate held back in a second that
   * is over. Runs before the next notice, and from the server's sweep when none comes.
   */
  sendNoticeSummary(now: number, except?: RegistryMember): void {
    const held = this.notices.takeSummary(now);
    if (held) this.toAllExcept(except, serverLine.notAnnounced(held.joins, held.leaves, this.notices.perSecond));
  }

  /** A server notice to everyone but the user named `exceptName` (who shared a file), within the announce limit. */
  announce(exceptName: string | undefined, line: string): void {
    if (!this.announcing()) return;
    this.toAllExcept(exceptName === undefined ? undefined : this.users.get(nameKey(exceptName)), line);
  }

  broadcast(from: RegistryMember & { name: string }, text: string): void {
    this.toAllExcept(from, serverLine.broadcast(from.name, text));
  }

  /** A private message to the user named `to` (in any case); NO_SUCH_USER when nobody is. */
  unicast(from: RegistryMember & { name: string }, to: string, text: string): ErrorCode | undefined {
    const target = this.users.get(nameKey(to));
    if (!target) return 'NO_SUCH_USER';
    this.toMember(target, serverLine.private(from.name, text));
    return undefined;
  }

  /** Join (creating it if new); returns the group or why not. The other members are told. */
  joinGroup(member: RegistryMember & { name: string }, groupName: string): ChatGroup | ErrorCode {
    const invalid = checkGroupName(groupName, this.maxNameLength);
    if (invalid) return invalid;
    const key = nameKey(groupName);
    let group = this.groups.get(key);
    if (group?.members.has(member)) return 'ALREADY_IN_GROUP';
    const limited = this.holdsToLimits(member);
    if (limited && (member.groups?.size ?? 0) >= this.limits.maxGroupsPerUser) return 'TOO_MANY_GROUPS';
    if (!group) {
      if (limited && this.groups.size >= this.limits.maxGroups) return 'GROUPS_FULL';
      group = { name: groupName, members: new Set() };
      this.groups.set(key, group);
      this.groupKeys.add(key);
    }
    if (this.groupAnnouncing(group.members.size + 1)) {
      this.toGroupExcept(group, member, serverLine.memberJoinedGroup(group.name, member.name));
    }
    group.members.add(member);
    (member.groups ??= new Set()).add(group);
    return group;
  }

  /**
   * Whether this server's group limits apply to `member`'s joins: always here; in a cluster only
   * to its own users, whose server answers them (another node's users were answered by theirs).
   */
  protected holdsToLimits(_member: RegistryMember): boolean {
    return true;
  }

  /** Leave; returns the group left or why not. The remaining members are told. */
  leaveGroup(member: RegistryMember & { name: string }, groupName: string): ChatGroup | ErrorCode {
    const group = this.memberGroup(member, groupName);
    if (typeof group === 'string') return group;
    this.dropMember(group, member);
    member.groups?.delete(group);
    if (this.groupAnnouncing(group.members.size + 1)) {
      this.toGroupExcept(group, member, serverLine.memberLeftGroup(group.name, member.name));
    }
    return group;
  }

  /** Whether a group of `members` (counting the one joining or leaving) has its joins and leaves announced. */
  private groupAnnouncing(members: number): boolean {
    return this.limits.groupAnnounceMaxMembers === 0 || members <= this.limits.groupAnnounceMaxMembers;
  }

  /** A message to the other members of a group the sender is in. */
  groupMessage(member: RegistryMember & { name: string }, groupName: string, text: string): ErrorCode | undefined {
    const group = this.memberGroup(member, groupName);
    if (typeof group === 'string') return group;
    this.toGroupExcept(group, member, serverLine.group(group.name, member.name, text));
    return undefined;
  }

  /** Up to `limit` user names, sorted case-insensitively, after `after` (in any case); the cost is the page's. */
  userPage(after: string | undefined, limit: number): ListingPage<string> {
    const page = this.userKeys.page(after === undefined ? undefined : nameKey(after), limit);
    const entries = page.keys.map((key) => this.users.get(key)!.name!);
    return { entries, total: this.users.size, continueAfter: page.more ? entries.at(-1) : undefined };
  }

  /** Up to `limit` groups with their member counts, as userPage. */
  groupPage(after: string | undefined, limit: number): ListingPage<GroupSummary> {
    const page = this.groupKeys.page(after === undefined ? undefined : nameKey(after), limit);
    const entries = page.keys.map((key) => {
      const group = this.groups.get(key)!;
      return { name: group.name, members: group.members.size };
    });
    return { entries, total: this.groups.size, continueAfter: page.more ? entries.at(-1)!.name : undefined };
  }

  /** The user online as `name` (in any case). */
  member(name: string): RegistryMember | undefined {
    return this.users.get(nameKey(name));
  }

  /** Every user online. */
  members(): IterableIterator<RegistryMember> {
    return this.users.values();
  }

  /** Forget everyone without telling anyone (server shutdown). */
  clear(): void {
    this.users.clear();
    this.groups.clear();
    this.userKeys.clear();
    this.groupKeys.clear();
  }

  private memberGroup(member: RegistryMember, groupName: string): ChatGroup | ErrorCode {
    const invalid = checkGroupName(groupName, this.maxNameLength);
    if (invalid) return invalid;
    const group = this.groups.get(nameKey(groupName));
    if (!group || !group.members.has(member)) return 'NOT_IN_GROUP';
    return group;
  }

  private dropMember(group: ChatGroup, member: RegistryMember): void {
    group.members.delete(member);
    if (group.members.size > 0) return;
    this.groups.delete(nameKey(group.name));
    this.groupKeys.delete(nameKey(group.name));
  }

  protected toMember(member: RegistryMember, line: string): void {
    member.sendBytes(encodeLine(line));
  }

  /** The same line to every registered user but `except`. */
  protected toAllExcept(except: RegistryMember | undefined, line: string): void {
    const bytes = encodeLine(line);
    for (const user of this.users.values()) if (user !== except) user.sendBytes(bytes);
  }

  protected toGroupExcept(group: ChatGroup, except: RegistryMember, line: string): void {
    if (group.members.size === 0 || (group.members.size === 1 && group.members.has(except))) return;
    const bytes = encodeLine(line);
    for (const member of group.members) if (member !== except) member.sendBytes(bytes);
  }
}
