// How UDP chat events look to a person: exactly as `netchat join` shows the same things (a
// message as a broadcast, joins and leaves as asides), by handing them to its formatter.
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import type { UdpServerEvent } from '../protocol/udp-chat/server-datagrams.ts';
import { formatEvent, type Paint } from './chat-format.ts';

/** The TCP chat event that looks the same to a person; undefined for events not shown. */
function asChatEvent(event: UdpServerEvent): ServerEvent | undefined {
  switch (event.type) {
    case 'message':
      return { type: 'broadcast', from: event.from, text: event.text };
    case 'user-joined':
    case 'user-left':
    case 'shutdown':
    case 'error':
    case 'notice':
      return event;
    case 'goodbye':
      return event.name === undefined ? undefined : { type: 'goodbye', name: event.name };
    case 'welcome':
    case 'challenge':
    case 'probe':
    case 'pong':
      return undefined;
  }
}

/** One UDP chat event as a line for a person; undefined for events a person need not see. */
export function formatUdpEvent(event: UdpServerEvent, paint: Paint): string | undefined {
  const chatEvent = asChatEvent(event);
  return chatEvent && formatEvent(chatEvent, paint);
}
