// What the contract tests hold on to: a recorder of one connection's bytes and events, an echo
// server, and waiting on events (never on time; the timeout only turns a hang into a failure).
import type { Runtime, TcpConnection, TcpListenOptions, TcpServer } from '../../../src/runtime/types.ts';
import { Waiters } from '../../helpers/waiters.ts';

export { Waiters };

const decoder = new TextDecoder();

/** Everything one connection reports, in order. */
export class Recorder {
  readonly chunks: Uint8Array[] = [];
  received = 0;
  ends = 0;
  closes = 0;
  drains = 0;
  hadError: boolean | undefined;
  readonly events: string[] = [];
  private readonly waiters = new Waiters();

  constructor(readonly connection: TcpConnection) {
    connection.on('data', (chunk) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.note('data');
    });
    connection.on('end', () => {
      this.ends++;
      this.note('end');
    });
    connection.on('drain', () => {
      this.drains++;
      this.note('drain');
    });
    connection.on('close', (hadError) => {
      this.closes++;
      this.hadError = hadError;
      this.note('close');
    });
    connection.on('error', () => this.note('error'));
  }

  text(): string {
    return this.chunks.map((chunk) => decoder.decode(chunk)).join('');
  }

  bytes(): Uint8Array {
    const all = new Uint8Array(this.received);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }

  /** Wake the waiters (for conditions on state outside this recorder). */
  poke(): void {
    this.waiters.poke();
  }

  until(check: () => boolean, what: string): Promise<void> {
    return this.waiters.until(check, () => `${what}; events: ${this.events.slice(-8).join(' ')}, ${this.received} bytes`);
  }

  untilText(text: string): Promise<void> {
    return this.until(() => this.text() === text, JSON.stringify(text));
  }

  untilBytes(count: number): Promise<void> {
    return this.until(() => this.received >= count, `${count} bytes`);
  }

  untilEnd(): Promise<void> {
    return this.until(() => this.ends > 0, 'end');
  }

  untilClose(): Promise<void> {
    return this.until(() => this.closes > 0, 'close');
  }

  private note(event: string): void {
    if (this.events.at(-1) !== event) this.events.push(event);
    this.waiters.poke();
  }
}

/** A server on 127.0.0.1:0 that hands each accepted connection to a Recorder, in accept order. */
export async function recordingServer(
  runtime: Runtime,
  options: Partial<TcpListenOptions> = {},
  onAccept: (recorder: Recorder) => void = () => {},
): Promise<{ server: TcpServer; accepted: Recorder[]; nextAccepted: () => Promise<Recorder> }> {
  const accepted: Recorder[] = [];
  const waiters = new Waiters();
  const server = await runtime.listenTcp({ host: '127.0.0.1', port: 0, ...options }, (connection) => {
    const recorder = new Recorder(connection);
    accepted.push(recorder);
    onAccept(recorder);
    waiters.poke();
  });
  let taken = 0;
  const nextAccepted = async () => {
    const index = taken++;
    await waiters.until(() => accepted.length > index, () => `connection ${index + 1} to be accepted`);
    return accepted[index]!;
  };
  return { server, accepted, nextAccepted };
}

/** Echo what arrives; end when the peer ends. */
export function echo(recorder: Recorder): void {
  recorder.connection.on('data', (chunk) => recorder.connection.write(chunk));
  recorder.connection.on('end', () => recorder.connection.end());
}

export function pattern(size: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The rejection of `promise`, or a failure if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection, but it resolved');
}
