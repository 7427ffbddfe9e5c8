import { describe, expect, it } from 'vitest';
import { ChatRoom, type ChatGroup, type RoomMember } from '../../src/core/chat-room.ts';

const text = new TextDecoder();

function member(): RoomMember & { received: Uint8Array[]; lines(): string[] } {
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

describe('ChatRoom', () => {
  it('adds, finds case-insensitively, refuses taken and invalid names, removes', () => {
    const room = new ChatRoom(8);
    const [a, b, c] = [member(), member(), member()];
    expect(room.add(a, 'Ann')).toBeUndefined();
    expect(room.add(b, 'ANN')).toBe('NAME_TAKEN');
    expect(b.name).toBeUndefined();
    expect(room.add(b, 'toolongname')).toBe('NAME_INVALID');
    expect(room.add(b, 'bob')).toBeUndefined();
    expect(room.find('ann')).toBe(a);
    expect(a.lines()).toEqual(['[Server] bob has joined the chat.']);
    room.add(c, 'cy');
    room.remove(b, 'quit');
    expect(room.find('bob')).toBeUndefined();
    expect(a.lines().at(-1)).toBe('[Server] bob has left the chat (quit).');
    expect(room.userNames()).toEqual(['Ann', 'cy']);
  });

  it('sends one line to many as the same bytes', () => {
    const room = new ChatRoom(8);
    const [a, b, c] = [member(), member(), member()];
    room.add(a, 'a');
    room.add(b, 'b');
    room.add(c, 'c');
    room.broadcast(a as RoomMember & { name: string }, 'hi');
    expect(a.lines().filter((l) => l.startsWith('[Broadcast]'))).toEqual([]);
    expect(b.received.at(-1)).toBe(c.received.at(-1));
    expect(b.lines().at(-1)).toBe('[Broadcast] a: hi');
  });

  it('drops a group when its last member leaves or departs', () => {
    const room = new ChatRoom(8);
    const [a, b] = [member(), member()];
    room.add(a, 'a');
    room.add(b, 'b');
    const named = (m: RoomMember) => m as RoomMember & { name: string };
    room.joinGroup(named(a), 'g');
    room.joinGroup(named(b), 'G');
    expect(room.groupSummaries()).toEqual([{ name: 'g', members: 2 }]);
    room.leaveGroup(named(a), 'g');
    room.remove(b);
    expect(room.groupSummaries()).toEqual([]);
    expect(a.lines().some((l) => l.includes('has left'))).toBe(false);
  });
});
