// The user and group names the client has seen, for completing them as they are typed. It
// learns them from what the server says anyway (joins, leaves, messages, listings); it never
// asks. Bounded: a busy server cannot make it grow without end.
import type { ServerEvent } from '../../protocol/chat/chat-lines.ts';

const DEFAULT_MAX_NAMES = 10_000;

export class KnownNames {
  readonly users = new Set<string>();
  readonly groups = new Set<string>();

  constructor(private readonly maxNames = DEFAULT_MAX_NAMES) {}

  learn(event: ServerEvent): void {
    switch (event.type) {
      case 'welcome':
        return this.add(this.users, event.name);
      case 'broadcast':
      case 'private':
        return this.add(this.users, event.from);
      case 'user-joined':
        return this.add(this.users, event.name);
      case 'user-left':
        this.users.delete(event.name);
        return;
      case 'group':
        this.add(this.groups, event.group);
        return this.add(this.users, event.from);
      case 'joined-group':
      case 'left-group':
        return this.add(this.groups, event.group);
      case 'member-joined-group':
      case 'member-left-group':
        this.add(this.groups, event.group);
        return this.add(this.users, event.name);
      case 'users':
        for (const name of event.names) this.add(this.users, name);
        return;
      case 'groups':
        for (const group of event.groups) this.add(this.groups, group.name);
        return;
    }
  }

  private add(names: Set<string>, name: string): void {
    // Re-adding moves a name to the end, so the oldest is the one forgotten.
    names.delete(name);
    names.add(name);
    if (names.size > this.maxNames) names.delete(names.values().next().value!);
  }
}
