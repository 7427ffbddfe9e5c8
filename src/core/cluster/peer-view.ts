// What a node knows of another node: its incarnation, where its message numbering stands, and
// its users, who sit in our registry as remote users. Its messages and states are applied here,
// through the registry's ordinary methods with a remote user as the actor: delivered to our
// users, never published again.
import type { ClusterBody, ClusterUser } from '../../protocol/cluster/cluster-messages.ts';
import { nameKey } from '../../protocol/shared/names.ts';
import { RemoteUser, type ClusterRegistry } from './cluster-registry.ts';

export interface Peer {
  readonly id: string;
  boot: string;
  /** The last message number seen from this incarnation. */
  seq: number;
  /** Its state has been received and nothing was missed since. */
  synced: boolean;
  lastSeen: number;
  users: Map<string, RemoteUser>;
}

type Named = RemoteUser & { name: string };

/** A chat message or a presence change from `peer`, applied as if its users were here (never published again). */
export function applyPeerMessage(registry: ClusterRegistry, peer: Peer, message: ClusterBody): void {
  const sender = (name: string) => peer.users.get(nameKey(name)) ?? new RemoteUser(name, peer.id);
  switch (message.t) {
    case 'join':
      return void addUser(registry, peer, message.name);
    case 'leave': {
      const user = peer.users.get(nameKey(message.name));
      if (!user) return;
      peer.users.delete(nameKey(message.name));
      return registry.remove(user, message.reason);
    }
    case 'bcast':
      return registry.broadcast(sender(message.from) as Named, message.text);
    case 'priv':
      if (registry.localUser(message.to)) registry.unicast(sender(message.from) as Named, message.to, message.text);
      return;
    case 'gjoin':
    case 'gleave': {
      const user = peer.users.get(nameKey(message.name));
      if (!user) return;
      if (message.t === 'gjoin') registry.joinGroup(user as Named, message.group);
      else registry.leaveGroup(user as Named, message.group);
      return;
    }
    case 'gmsg': {
      const user = peer.users.get(nameKey(message.from));
      if (user) registry.groupMessage(user as Named, message.group, message.text);
      return;
    }
  }
}

function addUser(registry: ClusterRegistry, peer: Peer, name: string): RemoteUser | undefined {
  if (peer.users.has(nameKey(name))) return peer.users.get(nameKey(name));
  const user = new RemoteUser(undefined, peer.id);
  // Refused when the name is held here too: the leases settle who keeps it, and the next state brings the winner.
  if (registry.add(user, name)) return undefined;
  peer.users.set(nameKey(name), user);
  return user;
}

/** Make what we know of `peer` its state: who left (told with `goneReason`), who joined, who changed groups. */
export function applyPeerState(registry: ClusterRegistry, peer: Peer, users: ClusterUser[], goneReason: string): void {
  const wanted = new Map(users.map((user) => [nameKey(user.name), user]));
  for (const [key, user] of peer.users) {
    if (wanted.has(key)) continue;
    peer.users.delete(key);
    registry.remove(user, goneReason);
  }
  for (const entry of users) {
    const user = addUser(registry, peer, entry.name);
    if (!user) continue;
    const groups = new Set(entry.groups.map(nameKey));
    for (const group of [...(user.groups ?? [])]) {
      if (!groups.has(nameKey(group.name))) registry.leaveGroup(user as Named, group.name);
    }
    const current = new Set([...(user.groups ?? [])].map((group) => nameKey(group.name)));
    for (const group of entry.groups) {
      if (!current.has(nameKey(group))) registry.joinGroup(user as Named, group);
    }
  }
}

/** Remove a node's users from the registry, each announced with `reason`; returns how many. */
export function dropPeerUsers(registry: ClusterRegistry, peer: Peer, reason: string): number {
  const count = peer.users.size;
  for (const user of peer.users.values()) registry.remove(user, reason);
  peer.users.clear();
  return count;
}
