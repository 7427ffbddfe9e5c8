// The conversations the page shows: everyone, each group joined, each private exchange. Each
// keeps its own message list; one is shown, the others count what arrived unread.
import { byId, element, hueOf } from './dom.ts';

export type ConversationKind = 'all' | 'group' | 'private';

export interface Conversation {
  key: string;
  kind: ConversationKind;
  /** The group or the other user; empty for everyone. */
  target: string;
  list: HTMLElement;
  unread: number;
  item: HTMLLIElement;
}

/** Messages kept per conversation; the oldest go first. */
const MAX_MESSAGES = 2000;

export function conversationKey(kind: ConversationKind, target = ''): string {
  return kind === 'all' ? 'all' : `${kind}:${target.toLowerCase()}`;
}

export class Conversations {
  private readonly all = new Map<string, Conversation>();
  private currentKey = 'all';
  private readonly messages = byId('messages');
  private readonly menu = byId<HTMLUListElement>('conversations');
  private readonly title = byId('conversation-title');
  private readonly leaveButton = byId<HTMLButtonElement>('leave-group');
  private readonly input = byId<HTMLInputElement>('message-input');

  constructor() {
    this.ensure('all');
    this.show('all');
  }

  get current(): Conversation {
    return this.all.get(this.currentKey)!;
  }

  groups(): string[] {
    return [...this.all.values()].filter((c) => c.kind === 'group').map((c) => c.target);
  }

  ensure(kind: ConversationKind, target = ''): Conversation {
    const key = conversationKey(kind, target);
    let conversation = this.all.get(key);
    if (conversation) return conversation;
    const list = element('div');
    list.hidden = true;
    this.messages.append(list);
    const item = element('li');
    const button = element('button', undefined, labelOf(kind, target));
    button.type = 'button';
    button.addEventListener('click', () => this.show(key));
    item.append(button);
    this.menu.append(item);
    conversation = { key, kind, target, list, unread: 0, item };
    this.all.set(key, conversation);
    return conversation;
  }

  /** A group left: its conversation goes, and everyone's is shown if it was open. */
  remove(kind: ConversationKind, target: string): void {
    const key = conversationKey(kind, target);
    const conversation = this.all.get(key);
    if (!conversation || kind === 'all') return;
    conversation.list.remove();
    conversation.item.remove();
    this.all.delete(key);
    if (this.currentKey === key) this.show('all');
  }

  show(key: string): void {
    const next = this.all.get(key);
    if (!next) return;
    this.currentKey = key;
    for (const conversation of this.all.values()) {
      const shown = conversation === next;
      conversation.list.hidden = !shown;
      conversation.item.firstElementChild!.setAttribute('aria-current', String(shown));
    }
    next.unread = 0;
    this.renderLabel(next);
    this.title.textContent = labelOf(next.kind, next.target);
    this.leaveButton.hidden = next.kind !== 'group';
    this.input.placeholder =
      next.kind === 'all' ? 'Message everyone (Enter sends, ↑ edits the last)' : `Message ${labelOf(next.kind, next.target)}`;
    this.scrollToEnd();
  }

  message(conversation: Conversation, from: string, text: string, own = false): void {
    const row = element('p', own ? 'message own' : 'message');
    const name = element('span', 'from', own ? `${from} (you)` : from);
    name.style.setProperty('--hue', String(hueOf(from)));
    row.append(timeStamp(), name, element('span', 'text', text));
    this.append(conversation, row);
  }

  notice(conversation: Conversation, text: string, kind: 'notice' | 'error' = 'notice'): void {
    const row = element('p', `message ${kind}`);
    row.append(timeStamp(), element('span', 'text', text));
    this.append(conversation, row);
  }

  private append(conversation: Conversation, row: HTMLElement): void {
    const atEnd = this.messages.scrollTop + this.messages.clientHeight >= this.messages.scrollHeight - 8;
    conversation.list.append(row);
    if (conversation.list.childElementCount > MAX_MESSAGES) conversation.list.firstElementChild!.remove();
    if (conversation.key !== this.currentKey) {
      conversation.unread++;
      this.renderLabel(conversation);
    } else if (atEnd) this.scrollToEnd();
  }

  private renderLabel(conversation: Conversation): void {
    const button = conversation.item.firstElementChild as HTMLButtonElement;
    button.textContent = labelOf(conversation.kind, conversation.target);
    if (conversation.unread > 0) button.append(element('span', 'unread', String(conversation.unread)));
  }

  private scrollToEnd(): void {
    this.messages.scrollTop = this.messages.scrollHeight;
  }
}

function labelOf(kind: ConversationKind, target: string): string {
  return kind === 'all' ? 'Everyone' : kind === 'group' ? `# ${target}` : `@ ${target}`;
}

function timeStamp(): HTMLTimeElement {
  const now = new Date();
  const stamp = element('time', undefined, now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  stamp.dateTime = now.toISOString();
  return stamp;
}
