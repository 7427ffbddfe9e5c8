// `netchat join` in a terminal: a prompt to type at, messages shown above it as they arrive.
import type { ChatClient } from '../core/chat-client/chat-client.ts';
import type { FileTransfers } from '../core/chat-client/file-transfers.ts';
import { helpLines, submitInput } from '../core/chat-client/slash-commands.ts';
import { formatEvent, type Paint } from './chat-format.ts';
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import { onServerEvent } from './display-safe.ts';
import { LineEditor } from './line-editor.ts';
import type { SessionEnd } from './pipe-session.ts';

export interface TerminalSessionOptions {
  client: ChatClient;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  paint: Paint;
  /** Aborting (a signal from outside) leaves at once. */
  signal: AbortSignal;
  /** Runs /download and /upload; its events are shown with `showTransfer`. */
  transfers: Pick<FileTransfers, 'download' | 'upload'>;
  /** `/download` without `--udp`/`--tcp` uses UDP (join --udp). */
  udpByDefault?: boolean;
}

/** The line editor, for showing transfer lines above the prompt. */
export interface TerminalPrinter {
  print(text: string): void;
}

export async function runTerminalSession(
  options: TerminalSessionOptions,
  onPrinter: (printer: TerminalPrinter) => void = () => {},
): Promise<SessionEnd> {
  const { client, paint } = options;
  const editor = new LineEditor({
    input: options.input,
    output: options.output,
    prompt: `${paint('bold', client.name ?? '')}${paint('dim', '>')} `,
  });
  onPrinter(editor);
  let interrupted = false;
  const leaveNow = () => {
    interrupted = true;
    void client.leave({ discardQueued: true });
  };

  // Made safe before it is painted: the colours are ours, nothing in the text is the server's.
  onServerEvent<ServerEvent>(client, (event) => {
    // The command greets the user and says goodbye in its own words.
    if (event.type === 'greeting' || event.type === 'welcome' || event.type === 'goodbye') return;
    const text = formatEvent(event, paint);
    if (text !== undefined) editor.print(text);
  });
  editor.on('line', (text) => {
    const result = submitInput(client, text);
    if (result.kind === 'error') editor.print(paint('red', `${result.code}: ${result.message}`));
    else if (result.kind === 'local' && result.action === 'help') {
      editor.print(helpLines().map((line) => paint('dim', line)).join('\n'));
    } else if (result.kind === 'local' && result.action === 'quit') void client.leave();
    else if (result.kind === 'local' && result.action === 'download') options.transfers.download(result.name, result.udp ?? options.udpByDefault ?? false);
    else if (result.kind === 'local' && result.action === 'upload') options.transfers.upload(result.path);
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
