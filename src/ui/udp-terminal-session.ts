// `netchat udp-join` in a terminal: the same prompt and look as `netchat join` — messages shown
// above the line being typed, which they never garble.
import type { UdpChatClient } from '../core/udp-chat/udp-chat-client.ts';
import type { UdpServerEvent } from '../protocol/udp-chat/server-datagrams.ts';
import { submitUdpInput, udpHelpLines } from '../core/udp-chat/udp-input.ts';
import type { Paint } from './chat-format.ts';
import { onServerEvent } from './display-safe.ts';
import { LineEditor } from './line-editor.ts';
import { formatUdpEvent } from './udp-chat-format.ts';
import type { UdpSessionEnd } from './udp-pipe-session.ts';

export interface UdpTerminalSessionOptions {
  client: UdpChatClient;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  paint: Paint;
  /** Aborting (a signal from outside) leaves at once. */
  signal: AbortSignal;
}

export async function runUdpTerminalSession(options: UdpTerminalSessionOptions): Promise<UdpSessionEnd> {
  const { client, paint } = options;
  const editor = new LineEditor({
    input: options.input,
    output: options.output,
    prompt: `${paint('bold', client.name ?? '')}${paint('dim', '>')} `,
  });
  let interrupted = false;
  const leaveNow = () => {
    interrupted = true;
    void client.leave({ discardQueued: true });
  };

  // Made safe before it is painted: the colours are ours, nothing in the text is the server's.
  onServerEvent<UdpServerEvent>(client, (event) => {
    // The command says goodbye in its own words.
    if (event.type === 'goodbye') return;
    const text = formatUdpEvent(event, paint);
    if (text !== undefined) editor.print(text);
  });
  editor.on('line', (text) => {
    const result = submitUdpInput(client, text);
    if (result.kind === 'error') editor.print(paint('red', `${result.code}: ${result.message}`));
    else if (result.kind === 'local' && result.action === 'help') editor.print(udpHelpLines().map((line) => paint('dim', line)).join('\n'));
    else if (result.kind === 'local' && result.action === 'quit') void client.leave();
  });
  editor.on('interrupt', leaveNow);
  editor.on('end', () => void client.leave());
  if (options.signal.aborted) leaveNow();
  else options.signal.addEventListener('abort', leaveNow, { once: true });

  editor.start();
  const close = await client.closed;
  options.signal.removeEventListener('abort', leaveNow);
  editor.close();
  return { close, interrupted };
}
