// EchoSession against a scripted connection: exact chunk boundaries and exact backpressure,
// which real sockets cannot promise. echo-server.test.ts covers the same over real sockets.
import { describe, expect, it } from 'vitest';
import { EchoSession, type EchoFraming } from '../../../src/core/echo/echo-session.ts';
import { ReplyEncoder } from '../../../src/protocol/echo/echo-format.ts';
import type { SocketAddress, TcpConnection, TcpConnectionEvents } from '../../../src/runtime/types.ts';

const TS = '1700000000.123456';
const clock = { wallNow: () => 1_700_000_000_123.456 };
const encoder = new TextEncoder();
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

class ScriptedConnection implements TcpConnection {
  readonly remote: SocketAddress = { address: '127.0.0.1', port: 5555, family: 'IPv4' };
  readonly encrypted = false;
  readonly peerCertificateFingerprint256 = undefined;
  readonly peerCertificateVerified = false;
  pendingWriteBytes = 0;
  closed = false;
  written: Uint8Array[] = [];
  paused = false;
  ended = false;
  /** write() returns false once this many writes have been made (Infinity: never). */
  acceptWrites = Number.POSITIVE_INFINITY;
  private listeners: { [E in keyof TcpConnectionEvents]?: Array<TcpConnectionEvents[E]> } = {};

  write(data: Uint8Array | string): boolean {
    this.written.push(typeof data === 'string' ? encoder.encode(data) : data);
    return this.written.length < this.acceptWrites;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.closed = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  setKeepAlive(): void {}
  reuseReadBuffer(): boolean {
    return false;
  }
  on<E extends keyof TcpConnectionEvents>(event: E, listener: TcpConnectionEvents[E]): this {
    (this.listeners[event] ??= [] as never).push(listener as never);
    return this;
  }
  off(): this {
    return this;
  }
  emit<E extends keyof TcpConnectionEvents>(event: E, ...args: Parameters<TcpConnectionEvents[E]>): void {
    for (const listener of this.listeners[event] ?? []) (listener as (...a: unknown[]) => void)(...args);
  }
  data(chunk: string | Uint8Array): void {
    this.emit('data', typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  }
  output(): string {
    return this.written.map(latin1).join('');
  }
}

function session(framing: EchoFraming, maxLineBytes = 64) {
  const connection = new ScriptedConnection();
  const pauses: boolean[] = [];
  const echo = new EchoSession(connection, framing, maxLineBytes, clock, new ReplyEncoder(), (paused) => pauses.push(paused));
  return { connection, echo, pauses };
}

describe('EchoSession, one reply per read', () => {
  it('answers each read with the timestamp and the exact bytes', () => {
    const { connection, echo } = session('read');
    connection.data('Hello Server!');
    connection.data(Uint8Array.of(0x00, 0xc3, 0x28, 0xff)); // NUL, invalid UTF-8, 0xFF inside
    expect(connection.written.map(latin1)).toEqual([`${TS}:Hello Server!`, `${TS}:\u0000\u00c3(\u00ff`]);
    expect(echo.bytesIn).toBe(17);
    expect(echo.bytesOut).toBe(2 * (TS.length + 1) + 17);
  });

  it('closes on a read that starts with 0xFF, without echoing it or anything after', () => {
    const { connection, echo } = session('read');
    connection.data('before');
    connection.data(Uint8Array.of(0xff, 0x61));
    connection.data('after');
    expect(connection.output()).toBe(`${TS}:before`);
    expect(connection.ended).toBe(true);
    expect(echo.reason).toBe('goodbye');
  });

  it('closes at end of stream', () => {
    const { connection, echo } = session('read');
    connection.data('last');
    connection.emit('end');
    expect(connection.output()).toBe(`${TS}:last`);
    expect(connection.ended).toBe(true);
    expect(echo.reason).toBe('eof');
  });

  it('pauses when the send buffer is past its mark and resumes at drain', () => {
    const { connection, pauses } = session('read');
    connection.acceptWrites = 2;
    connection.data('one');
    expect(connection.paused).toBe(false);
    connection.data('two');
    expect(connection.paused).toBe(true);
    connection.acceptWrites = Number.POSITIVE_INFINITY;
    connection.emit('drain');
    expect(connection.paused).toBe(false);
    expect(pauses).toEqual([true, false]);
  });
});

describe('EchoSession --lines', () => {
  const input = 'one\r\ntwo\n\nthré\n';
  const expected = `${TS}:one\n${TS}:two\n${TS}:\n${TS}:thré\n`;

  it('answers each line, the same wherever the input is split', () => {
    const bytes = encoder.encode(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { connection } = session('lines');
      connection.data(bytes.subarray(0, cut));
      connection.data(bytes.subarray(cut));
      expect(new TextDecoder().decode(Uint8Array.from(connection.written.flatMap((b) => [...b]))), `cut at ${cut}`).toBe(expected);
    }
  });

  it('answers a last line without LF at end of stream, then closes', () => {
    const { connection, echo } = session('lines');
    connection.data('a\nb');
    connection.emit('end');
    expect(connection.output()).toBe(`${TS}:a\n${TS}:b\n`);
    expect(connection.ended).toBe(true);
    expect(echo.reason).toBe('eof');
  });

  it('echoes a line at the limit and answers one byte longer with LINE_TOO_LONG', () => {
    const { connection } = session('lines', 16);
    connection.data(`${'x'.repeat(16)}\n${'y'.repeat(17)}\nok\n`);
    const lines = connection.output().split('\n');
    expect(lines[0]).toBe(`${TS}:${'x'.repeat(16)}`);
    expect(lines[1]).toMatch(/^ERROR LINE_TOO_LONG /);
    expect(lines[2]).toBe(`${TS}:ok`);
  });

  it('closes at a line that starts with 0xFF, after answering the lines before it, wherever split', () => {
    const bytes = Uint8Array.from([...encoder.encode('a\nb'), 0xff, 0x0a, 0xff, ...encoder.encode('gone\nc\n')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { connection, echo } = session('lines');
      connection.data(bytes.subarray(0, cut));
      connection.data(bytes.subarray(cut));
      connection.emit('end');
      // In 'b<FF>' the 0xFF is not first in its line: echoed, as U+FFFD (--lines is text).
      expect(connection.output(), `cut at ${cut}`).toBe(`${TS}:a\n${TS}:b\u00ef\u00bf\u00bd\n`);
      expect(echo.reason).toBe('goodbye');
    }
  });

  it('holds the rest of a read while paused and answers it in order after drain', () => {
    const { connection, echo } = session('lines');
    connection.acceptWrites = 1;
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    connection.data(`${lines.join('\n')}\n`);
    connection.emit('end'); // arrives while paused: the held lines still come first
    expect(connection.paused).toBe(true);
    // Only the first slice of input went to the decoder before the pause.
    expect(connection.written.length).toBeLessThan(4096 / 'line 0\n'.length + 1);
    expect(connection.ended).toBe(false);
    connection.acceptWrites = Number.POSITIVE_INFINITY;
    connection.emit('drain');
    expect(connection.output()).toBe(lines.map((line) => `${TS}:${line}\n`).join(''));
    expect(connection.ended).toBe(true);
    expect(echo.reason).toBe('eof');
  });

  it('queues at most one slice of replies for a read full of empty lines', () => {
    const { connection } = session('lines');
    connection.acceptWrites = 1;
    connection.data(new Uint8Array(64 * 1024).fill(0x0a));
    expect(connection.written.length).toBeLessThanOrEqual(4096);
  });
});

describe('EchoSession shutdown', () => {
  it('destroys the connection and records why', () => {
    const { connection, echo } = session('read');
    echo.shutdown();
    expect(connection.closed).toBe(true);
    expect(echo.reason).toBe('shutdown');
  });

  it('keeps the earlier reason of a connection already closing', () => {
    const { connection, echo } = session('read');
    connection.data(Uint8Array.of(0xff));
    echo.shutdown();
    expect(echo.reason).toBe('goodbye');
  });
});
