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

const byName = (a: string, b: string) => {
  const x = nameKey(a);
  const y = nameKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export class UserRegistry {
  private readonly users = new Map<string, RegistryMember>();
  private readonly groups = new Map<string, ChatGroup>();

  constructor(
    private readonly maxNameLength: number,
    /** Announce joins and leaves only while at most this many users are online (0 = always). */
    private readonly announceMaxUsers = 0,
  ) {}

  get userCount(): number {
    return this.users.size;
  }

  /** Register `member` as `name` and tell the others; an error code when the name is refused. */
  add(member: RegistryMember, name: string): ErrorCode | undefined {
    const invalid = checkUserName(name, this.maxNameLength);
    if (invalid) return invalid;
    const key = nameKey(name);
    if (this.users.has(key)) return 'NAME_TAKEN';
    member.name = name;
    this.users.set(key, member);
    if (this.announcing()) this.toAllExcept(member, serverLine.userJoined(name));
    return undefined;
  }

  /** Forget `member` and its group memberships; `reason` set → the others are told. */
  remove(member: RegistryMember, reason?: string): void {
    if (member.name === undefined || this.users.get(nameKey(member.name)) !== member) return;
    const announce = reason !== undefined && this.announcing();
    this.users.delete(nameKey(member.name));
    for (const group of member.groups ?? []) this.dropMember(group, member);
    member.groups = undefined;
    if (announce) this.toAllExcept(member, serverLine.userLeft(member.name, reason));
  }

  /** Whether joins and leaves are announced with the current number of users (counting the subject). */
  private announcing(): boolean {
    return this.announceMaxUsers === 0 || this.users.size <= this.announceMaxUsers;
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
    if (!group) {
      group = { name: groupName, members: new Set() };
      this.groups.set(key, group);
    }
    this.toGroupExcept(group, member, serverLine.memberJoinedGroup(group.name, member.name));
    group.members.add(member);
    (member.groups ??= new Set()).add(group);
    return group;
  }

  /** Leave; returns the group left or why not. The remaining members are told. */
  leaveGroup(member: RegistryMember & { name: string }, groupName: string): ChatGroup | ErrorCode {
    const group = this.memberGroup(member, groupName);
    if (typeof group === 'string') return group;
    this.dropMember(group, member);
    member.groups?.delete(group);
    this.toGroupExcept(group, member, serverLine.memberLeftGroup(group.name, member.name));
    return group;
  }

  /** A message to the other members of a group the sender is in. */
  groupMessage(member: RegistryMember & { name: string }, groupName: string, text: string): ErrorCode | undefined {
    const group = this.memberGroup(member, groupName);
    if (typeof group === 'string') return group;
    this.toGroupExcept(group, member, serverLine.group(group.name, member.name, text));
    return undefined;
  }

  userNames(): string[] {
    return [...this.users.values()].map((user) => user.name!).sort(byName);
  }

  groupSummaries(): GroupSummary[] {
    return [...this.groups.values()]
      .map((group) => ({ name: group.name, members: group.members.size }))
      .sort((a, b) => byName(a.name, b.name));
  }

  /** Forget everyone without telling anyone (server shutdown). */
  clear(): void {
    this.users.clear();
    this.groups.clear();
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
    if (group.members.size === 0) this.groups.delete(nameKey(group.name));
  }

  private toMember(member: RegistryMember, line: string): void {
    member.sendBytes(encodeLine(line));
  }

  /** The same line to every registered user but `except`. */
  private toAllExcept(except: RegistryMember | undefined, line: string): void {
    const bytes = encodeLine(line);
    for (const user of this.users.values()) if (user !== except) user.sendBytes(bytes);
  }

  private toGroupExcept(group: ChatGroup, except: RegistryMember, line: string): void {
    if (group.members.size === 0 || (group.members.size === 1 && group.members.has(except))) return;
    const bytes = encodeLine(line);
    for (const member of group.members) if (member !== except) member.sendBytes(bytes);
  }
}
