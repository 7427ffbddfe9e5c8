import { describe, expect, it } from 'vitest';
import { UserRegistry, type ChatGroup, type RegistryMember } from '../../../src/core/chat/user-registry.ts';
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const registryOf = (limits: Partial<ChatLimits> = {}) => new UserRegistry({ ...DEFAULT_CHAT_LIMITS, ...limits }, new FakeClock());

const text = new TextDecoder();

function member(): RegistryMember & { received: Uint8Array[]; lines(): string[] } {
  return {
    name: undefined,
    groups: undefined as Set<ChatGroup> | undefined,
    received: [] as Uint8Array[],
    sendBytes(bytes: Uint8Array) {
      this.received.push(bytes);
    },
    lines() {
      return this.received.map((b) => text.decode(b).replace(/\n$/, ''));
    },
  };
}

describe('UserRegistry', () => {
  it('adds, finds case-insensitively, refuses taken and invalid names, removes', () => {
    const registry = registryOf({ maxNameLength: 8 });
    const [a, b, c] = [member(), member(), member()];
    expect(registry.add(a, 'Ann')).toBeUndefined();
    expect(registry.add(b, 'ANN')).toBe('NAME_TAKEN');
    expect(b.name).toBeUndefined();
    expect(registry.add(b, 'toolongname')).toBe('NAME_INVALID');
    expect(registry.add(b, 'bob')).toBeUndefined();
    expect(a.lines()).toEqual(['[Server] bob has joined the chat.']);
    registry.add(c, 'cy');
    registry.remove(b, 'quit');
    expect(a.lines().at(-1)).toBe('[Server] bob has left the chat (quit).');
    expect(registry.unicast(a as RegistryMember & { name: string }, 'bob', 'hi')).toBe('NO_SUCH_USER');
    expect(registry.userPage(undefined, 100).entries).toEqual(['Ann', 'cy']);
  });

  it('delivers a private message to one user, found in any case', () => {
    const registry = registryOf({ maxNameLength: 8 });
    const [a, b, c] = [member(), member(), member()];
    registry.add(a, 'a');
    registry.add(b, 'Bob');
    registry.add(c, 'c');
    const before = [a, c].map((m) => m.received.length);
    expect(registry.unicast(a as RegistryMember & { name: string }, 'BOB', 'psst')).toBeUndefined();
    expect(b.lines().at(-1)).toBe('[Private] a: psst');
    expect([a, c].map((m) => m.received.length)).toEqual(before);
  });

  it('sends one line to many as the same bytes', () => {
    const registry = registryOf({ maxNameLength: 8 });
    const [a, b, c] = [member(), member(), member()];
    registry.add(a, 'a');
    registry.add(b, 'b');
    registry.add(c, 'c');
    registry.broadcast(a as RegistryMember & { name: string }, 'hi');
    expect(a.lines().filter((l) => l.startsWith('[Broadcast]'))).toEqual([]);
    expect(b.received.at(-1)).toBe(c.received.at(-1));
    expect(b.lines().at(-1)).toBe('[Broadcast] a: hi');
  });

  it('drops a group when its last member leaves or departs', () => {
    const registry = registryOf({ maxNameLength: 8 });
    const [a, b] = [member(), member()];
    registry.add(a, 'a');
    registry.add(b, 'b');
    const named = (m: RegistryMember) => m as RegistryMember & { name: string };
    registry.joinGroup(named(a), 'g');
    registry.joinGroup(named(b), 'G');
    expect(registry.groupPage(undefined, 100).entries).toEqual([{ name: 'g', members: 2 }]);
    registry.leaveGroup(named(a), 'g');
    registry.remove(b);
    expect(registry.groupPage(undefined, 100).entries).toEqual([]);
    expect(a.lines().some((l) => l.includes('has left'))).toBe(false);
  });
});
