// `netchat join` in a terminal: a prompt to type at, messages shown above it as they arrive,
// each after its time. Plain text goes to the current target (/query, /switch; the prompt shows
// it), what you say is shown as the others see it, Tab completes commands and names, a paste of
// many lines asks first, and while the connection is away the prompt says so and typing goes on.
import type { FileTransfers } from '../core/chat-client/file-transfers.ts';
import { completeInput } from '../core/chat-client/input-completion.ts';
import { KnownNames } from '../core/chat-client/known-names.ts';
import type { ChatSessionClient } from '../core/chat-client/reconnecting-client.ts';
import { helpLines, submitInput, type ChatTarget } from '../core/chat-client/slash-commands.ts';
import type { ServerEvent } from '../protocol/chat/chat-lines.ts';
import { formatEvent, formatNotice, formatOwnMessage, formatProblem, withTime, type Paint } from './chat-format.ts';
import { displaySafe, displayText, onServerEvent } from './display-safe.ts';
import { LineEditor } from './line-editor.ts';
import type { TimeStamper } from './message-time.ts';
import { PastedLines } from './pasted-lines.ts';
import type { SessionEnd } from './pipe-session.ts';
import { formatStatus, promptFor } from './session-status.ts';

export interface TerminalSessionOptions {
  client: ChatSessionClient & { readonly reconnecting?: boolean };
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  paint: Paint;
  /** Aborting (a signal from outside) leaves at once. */
  signal: AbortSignal;
  /** Runs /download and /upload; its events are shown with `showTransfer`. */
  transfers: Pick<FileTransfers, 'download' | 'upload' | 'stop'>;
  /** `/download` without `--udp`/`--tcp` uses UDP (join --udp). */
  udpByDefault?: boolean;
  /** The time before each message; none when undefined. */
  timestamps?: TimeStamper;
  now?: () => Date;
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
  const now = options.now ?? (() => new Date());
  const names = new KnownNames();
  let target: ChatTarget | undefined;
  const prompt = () => promptFor(client.name ?? '', target, client.reconnecting === true, paint);
  const editor = new LineEditor({
    input: options.input,
    output: options.output,
    prompt: prompt(),
    eraseSubmitted: true,
    completer: (line) => {
      const { candidates, word } = completeInput(line, names);
      return [candidates, word];
    },
  });
  const show = (line: string) => editor.print(withTime(line, options.timestamps, now(), paint));
  onPrinter(editor);
  let interrupted = false;
  const leaveNow = () => {
    interrupted = true;
    void client.leave({ discardQueued: true });
  };

  // Made safe before it is painted: the colours are ours, nothing in the text is the server's.
  onServerEvent<ServerEvent>(client, (event) => {
    names.learn(event);
    // The command greets the user and says goodbye in its own words; a shutdown is told once,
    // with what follows it (reconnecting, or the end).
    if (event.type === 'greeting' || event.type === 'welcome' || event.type === 'goodbye' || event.type === 'shutdown') return;
    const text = formatEvent(event, paint);
    if (text !== undefined) show(text);
  });
  let lastFailure: string | undefined;
  client.on('status', (unsafe) => {
    // Its words may be the server's (a close message): made safe before they are painted.
    const status = displaySafe(unsafe);
    if (status.state === 'failed') lastFailure = status.code;
    if (status.state === 'rejoined') lastFailure = undefined;
    const line = formatStatus(status, lastFailure, paint);
    if (line !== undefined) show(line);
    editor.setPrompt(prompt());
  });

  const submit = (text: string) => {
    const result = submitInput(client, text, target);
    if (result.kind === 'sent') {
      for (const message of result.messages) show(formatOwnMessage(displaySafe(message), client.name ?? '', paint));
      if (client.reconnecting) show(formatNotice('not connected: it will be sent once reconnected', paint));
    } else if (result.kind === 'error') show(formatProblem(result.code, displayText(result.message), paint));
    else if (result.kind === 'local' && result.action === 'help') {
      editor.print(helpLines().map((line) => paint('dim', line)).join('\n'));
    } else if (result.kind === 'local' && result.action === 'quit') void client.leave({ reason: result.reason });
    else if (result.kind === 'local' && result.action === 'target') {
      target = result.target;
      editor.setPrompt(prompt());
      const where = !target ? 'everyone' : target.kind === 'user' ? target.name : `group ${target.name}`;
      show(formatNotice(`plain text now goes to ${displayText(where)}`, paint));
    } else if (result.kind === 'local' && result.action === 'download') options.transfers.download(result.name, result.udp ?? options.udpByDefault ?? false);
    else if (result.kind === 'local' && result.action === 'upload') options.transfers.upload(result.path);
  };
  const pasted = new PastedLines({
    send: submit,
    unfinished: () => editor.takeInput(),
    ask: (count) => {
      show(formatNotice(`${count} lines pasted: send them all? y/n`, paint));
      editor.setPrompt(`${paint('yellow', `send ${count} lines? (y/n)`)} `);
    },
    answered: (sent, count) => {
      editor.setPrompt(prompt());
      if (!sent) show(formatNotice(`the ${count} pasted lines were not sent`, paint));
    },
  });
  editor.on('line', (text) => pasted.line(text));
  editor.on('interrupt', () => (pasted.waiting ? pasted.line('n') : leaveNow()));
  editor.on('end', () => void client.leave());
  if (options.signal.aborted) leaveNow();
  else options.signal.addEventListener('abort', leaveNow, { once: true });

  editor.start();
  const close = await client.closed;
  options.signal.removeEventListener('abort', leaveNow);
  // Leaving stops the transfers under way (a download keeps its partial file, to be resumed).
  await options.transfers.stop();
  editor.close();
  return { close, interrupted };
}
