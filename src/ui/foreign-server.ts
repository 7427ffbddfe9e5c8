// A port that answers but is not netchat: an SSH daemon greets with `SSH-2.0-…`, a web server
// answers our JOIN with `HTTP/1.1 400 …`, a mail server with `220 …`. Before registering, a
// netchat server sends only its greeting, ERROR, PING and the welcome, each recognised; any
// other line that is not even bracketed like `[Server] …` says the port belongs to something
// else, and waiting for a welcome that never comes would only cost the reply timeout.
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import { displayText } from './display-safe.ts';

/** How much of the foreign line is quoted back. */
const QUOTED_CHARACTERS = 60;

/** Whether `line`, received before registering, shows that the server is not netchat. */
export function isForeignLine(event: ServerEvent, line: string): boolean {
  return event.type === 'notice' && !line.startsWith('[');
}

/** The message for a foreign server, quoting (safely, and cut short) what it said. */
export function foreignServerMessage(line: string): string {
  const shown = displayText(line.trim());
  const quoted = shown.length > QUOTED_CHARACTERS ? `${shown.slice(0, QUOTED_CHARACTERS)}…` : shown;
  return `not a netchat server: it said \`${quoted}\``;
}

export interface ForeignServerWatch {
  /** The message for the user once a foreign line came, else undefined. */
  readonly message: string | undefined;
  stop(): void;
}

/**
 * Until the client has registered, watch for a line that shows the server is not netchat;
 * on the first, note it and call `onForeign` (which closes the connection).
 */
export function watchForForeignServer(
  client: { name: string | undefined; on(event: 'event', listener: (event: ServerEvent, line: string) => void): () => void },
  onForeign: () => void,
): ForeignServerWatch {
  let message: string | undefined;
  const stop = client.on('event', (event, line) => {
    if (client.name !== undefined) return stop();
    if (message !== undefined || !isForeignLine(event, line)) return;
    message = foreignServerMessage(line);
    stop();
    onForeign();
  });
  return {
    get message() {
      return message;
    },
    stop,
  };
}
