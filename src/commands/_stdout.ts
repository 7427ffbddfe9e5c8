// stdout for the commands that print results (`send-file`, `udp-join`, `echo`): a reader that
// went away (`… | head -1`: EPIPE) calls `onClosed` once and nothing more is written, where the
// process would otherwise die of an unhandled 'error' event. `join` has its own, with flow
// control over the chat it reads (see ui/output-flow.ts).
import { OutputFlow } from '../ui/output-flow.ts';

export interface GuardedStdout {
  /** Write text to stdout; nothing once its reader has gone. */
  write(text: string): void;
  /** Whether stdout's reader went away. */
  readonly closed: boolean;
}

export function guardStdout(onClosed: () => void): GuardedStdout {
  const flow = new OutputFlow((stream) => stream === process.stdout && onClosed());
  // Also watches process.stdout for errors, so writes made to it directly are safe as well.
  const write = flow.writer(process.stdout);
  return {
    write,
    get closed() {
      return flow.hasFailed(process.stdout);
    },
  };
}
