// The user registry of a cluster node. Users on other nodes are in it too, as `RemoteUser`s
// whose delivery is a no-op (their own node delivers to them), so that names, listings, counts,
// groups and join/leave notices are cluster-wide with the registry's own code. What a local
// user does is delivered locally as before and then published; what arrives from another node
// is applied through the same methods with a remote user as the actor, and is never published
// again: every override publishes only when its actor is local. That one check is why no
// message can loop.
import type { ErrorCode } from '../../protocol/chat/error-codes.ts';
import { serverLine } from '../../protocol/chat/chat-lines.ts';
import type { ClusterBody, ClusterUser } from '../../protocol/cluster/cluster-messages.ts';
import { checkUserName, nameKey } from '../../protocol/shared/names.ts';
import { encodeLine } from '../links/line-link.ts';
import type { Clock } from '../shared/clock.ts';
import { UserRegistry, type ChatGroup, type RegistryLimits, type RegistryMember } from '../chat/user-registry.ts';

/** A user connected to another node. */
export class RemoteUser implements RegistryMember {
  groups: Set<ChatGroup> | undefined = undefined;
  constructor(
    public name: string | undefined,
    readonly node: string,
  ) {}
  sendBytes(): void {}
}

type Named = RegistryMember & { name: string };

/** What the registry needs of its node: publishing, and the names' leases. */
export interface ClusterLink {
  publish(body: ClusterBody): void;
  /** 'ok' once this node holds the name (or holds it provisionally while the backplane is down). */
  claimName(name: string): Promise<'ok' | 'taken'>;
  releaseName(name: string): void;
}

const isLocal = (member: RegistryMember) => !(member instanceof RemoteUser);

export class ClusterRegistry extends UserRegistry {
  /** Names being claimed by a local JOIN that has not settled: a second local JOIN is refused at once. */
  private readonly claiming = new Set<string>();

  constructor(
    limits: RegistryLimits,
    clock: Pick<Clock, 'now'>,
    private readonly link: ClusterLink,
  ) {
    super(limits, clock);
  }

  override claim(member: RegistryMember, name: string, isOpen: () => boolean): Promise<ErrorCode | undefined> {
    return this.claimAcrossCluster(member, name, isOpen);
  }

  private async claimAcrossCluster(member: RegistryMember, name: string, isOpen: () => boolean): Promise<ErrorCode | undefined> {
    const invalid = checkUserName(name, this.limits.maxNameLength);
    if (invalid) return invalid;
    const key = nameKey(name);
    if (this.users.has(key) || this.claiming.has(key)) return 'NAME_TAKEN';
    this.claiming.add(key);
    let claimed: 'ok' | 'taken';
    try {
      claimed = await this.link.claimName(name).catch(() => 'taken' as const);
    } finally {
      this.claiming.delete(key);
    }
    if (claimed === 'taken') return 'NAME_TAKEN';
    if (!isOpen()) {
      this.link.releaseName(name);
      return undefined;
    }
    const refused = this.add(member, name);
    if (refused) this.link.releaseName(name);
    return refused;
  }

  override add(member: RegistryMember, name: string): ErrorCode | undefined {
    const refused = super.add(member, name);
    if (!refused && isLocal(member)) this.link.publish({ t: 'join', name });
    return refused;
  }

  override remove(member: RegistryMember, reason?: string): void {
    const name = member.name;
    const present = name !== undefined && this.users.get(nameKey(name)) === member;
    super.remove(member, reason);
    if (!present || !isLocal(member)) return;
    // Without a reason the server is shutting down: the node's `bye` tells the others at once.
    if (reason !== undefined) this.link.publish({ t: 'leave', name, reason });
    this.link.releaseName(name);
  }

  override broadcast(from: Named, text: string): void {
    super.broadcast(from, text);
    if (isLocal(from)) this.link.publish({ t: 'bcast', from: from.name, text });
  }

  override unicast(from: Named, to: string, text: string): ErrorCode | undefined {
    const target = this.users.get(nameKey(to));
    if (!(target instanceof RemoteUser)) return super.unicast(from, to, text);
    if (isLocal(from)) this.link.publish({ t: 'priv', from: from.name, to: target.name!, text });
    return undefined;
  }

  // A group another node's user joined exists in the cluster, whatever this node's --max-groups:
  // refusing it here would split the cluster's list of groups.
  protected override holdsToLimits(member: RegistryMember): boolean {
    return isLocal(member);
  }

  override joinGroup(member: Named, groupName: string): ChatGroup | ErrorCode {
    const group = super.joinGroup(member, groupName);
    if (typeof group !== 'string' && isLocal(member)) this.link.publish({ t: 'gjoin', group: groupName, name: member.name });
    return group;
  }

  override leaveGroup(member: Named, groupName: string): ChatGroup | ErrorCode {
    const group = super.leaveGroup(member, groupName);
    if (typeof group !== 'string' && isLocal(member)) this.link.publish({ t: 'gleave', group: groupName, name: member.name });
    return group;
  }

  override groupMessage(member: Named, groupName: string, text: string): ErrorCode | undefined {
    const refused = super.groupMessage(member, groupName, text);
    if (!refused && isLocal(member)) this.link.publish({ t: 'gmsg', group: groupName, from: member.name, text });
    return refused;
  }

  /** The user registered here under `name`, if any. */
  localUser(name: string): Named | undefined {
    const member = this.users.get(nameKey(name));
    return member && isLocal(member) ? (member as Named) : undefined;
  }

  /**
   * `name` went to a user on another node (a claim during a partition that lost): tell our user
   * why, and unregister it; the connection stays, so it may JOIN again under another name.
   */
  evictLocal(name: string): boolean {
    const member = this.localUser(name);
    if (!member) return false;
    member.sendBytes(
      encodeLine(
        serverLine.error('NAME_TAKEN', `while the servers were cut off from each other ${name} was also taken on another server, which keeps it; JOIN again with another name`),
      ),
    );
    super.remove(member, 'name taken on another server');
    this.link.publish({ t: 'leave', name, reason: 'name taken on another server' });
    (member as RegistryMember).name = undefined;
    return true;
  }

  /** Our own users and their groups, as a `state` message carries them. */
  localState(): ClusterUser[] {
    const state: ClusterUser[] = [];
    for (const member of this.users.values()) {
      if (!isLocal(member)) continue;
      state.push({ name: member.name!, groups: [...(member.groups ?? [])].map((group) => group.name) });
    }
    return state;
  }
}
