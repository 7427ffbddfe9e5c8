// What the terminal shows of the session itself: the prompt (who you are, where plain text
// goes, whether the connection is there) and the connection's comings and goings.
import type { CloseInfo } from '../core/chat-client/chat-client.ts';
import type { ConnectionStatus } from '../core/chat-client/reconnecting-client.ts';
import type { ChatTarget } from '../core/chat-client/slash-commands.ts';
import { formatNotice, type Paint } from './chat-format.ts';

/** `alice> `, `alice→bob> `, `alice[team]> `, and `(reconnecting) alice> ` while away. */
export function promptFor(name: string, target: ChatTarget | undefined, reconnecting: boolean, paint: Paint): string {
  const where = !target ? '' : target.kind === 'user' ? paint('magenta', `→${target.name}`) : paint('green', `[${target.name}]`);
  const away = reconnecting ? `${paint('yellow', '(reconnecting)')} ` : '';
  return `${away}${paint('bold', name)}${where}${paint('dim', '>')} `;
}

/** Why a connection ended, in a few words. */
export function closeReason(close: CloseInfo): string {
  const detail = [close.code, close.message].filter(Boolean).join(' ');
  switch (close.reason) {
    case 'shutdown':
      return 'the server is shutting down';
    case 'server-closed':
      return 'the server closed the connection';
    case 'error':
      return `connection lost: ${detail}`;
    case 'timeout':
      return `the server stopped answering: ${detail}`;
    case 'kicked':
      return `disconnected by the server: ${detail}`;
    case 'quit':
      return 'left the chat';
    case 'aborted':
      return 'connection closed';
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/**
 * A status as a notice line, or undefined for one not worth a line of its own: the wait says
 * when the next attempt comes, and why the last one failed.
 */
export function formatStatus(status: ConnectionStatus, lastFailure: string | undefined, paint: Paint): string | undefined {
  switch (status.state) {
    case 'lost':
      return paint('yellow', `* ${closeReason(status.close)}; reconnecting (Ctrl+C gives up)`);
    case 'waiting':
      return formatNotice(`${lastFailure ? `${lastFailure}; ` : ''}trying again in ${seconds(status.delayMs)} (attempt ${status.attempt})`, paint);
    case 'rejoined': {
      const groups = status.groups.length ? `; back in ${status.groups.join(', ')}` : '';
      return paint('green', `* reconnected as ${status.name}${groups}`);
    }
    case 'gave-up':
      return paint('red', `* gave up reconnecting after ${status.attempts} attempts`);
    case 'connecting':
    case 'connected':
    case 'failed':
      return undefined;
  }
}
