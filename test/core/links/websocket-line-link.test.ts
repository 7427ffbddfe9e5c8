import { describe, expect, it } from 'vitest';
import type { WebSocketConnection } from '../../../src/runtime/http-types.ts';
import type { LineLinkHandler } from '../../../src/core/links/line-link.ts';
import { encodeLines } from '../../../src/core/links/line-link.ts';
import { WebSocketLineLink } from '../../../src/core/links/websocket-line-link.ts';

/** A WebSocket that records what is sent and lets the test deliver messages and closes. */
class FakeWebSocket implements WebSocketConnection {
  readonly remote = { address: '127.0.0.1', port: 5000, family: 'IPv4' as const };
  readonly encrypted = false;
  bufferedAmount = 0;
  sent: Array<{ data: Uint8Array | string; binary: boolean }> = [];
  closedWith: number | undefined;
  terminated = false;
  paused = false;
  private message?: (data: Uint8Array, binary: boolean) => void;
  private closeListener?: (hadError: boolean, code: number) => void;
  drain?: () => void;
  send(data: Uint8Array | string, binary: boolean): void {
    this.sent.push({ data, binary });
  }
  closeFromPeer(code: number): void {
    this.closeListener?.(code !== 1000, code);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  terminate(): void {
    this.terminated = true;
  }
  /** Buffers given to sendLines, as given. */
  lineBuffers: Uint8Array[] = [];
  sendLines(lines: Uint8Array): void {
    this.lineBuffers.push(lines);
    const text = new TextDecoder().decode(lines);
    for (const line of text.slice(0, -1).split('\n')) this.sent.push({ data: new TextEncoder().encode(line), binary: false });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  onMessage(listener: (data: Uint8Array, binary: boolean) => void): void {
    this.message = listener;
  }
  onClose(listener: (hadError: boolean, code: number) => void): void {
    this.closeListener = listener;
  }
  onDrain(listener: () => void): void {
    this.drain = listener;
  }
  deliver(text: string | Uint8Array, binary = false): void {
    this.message!(typeof text === 'string' ? new TextEncoder().encode(text) : text, binary);
  }
  texts(): string[] {
    return this.sent.filter((s) => !s.binary).map((s) => new TextDecoder().decode(s.data as Uint8Array));
  }
}

function recorder() {
  const events: string[] = [];
  const handler: LineLinkHandler = {
    line: (text) => events.push(`line:${text}`),
    overlong: (bytes) => events.push(`overlong:${bytes}`),
    inputOverflow: () => events.push('overflow'),
    peerEnded: () => events.push('ended'),
    closed: (hadError) => events.push(`closed:${hadError}`),
  };
  return { events, handler };
}

const LIMITS = { maxLineBytes: 16, maxUnterminatedBytes: 32 };

function setup() {
  const socket = new FakeWebSocket();
  const link = new WebSocketLineLink(socket, LIMITS);
  const { events, handler } = recorder();
  link.attach(handler);
  return { socket, link, events };
}

describe('WebSocketLineLink', () => {
  it('delivers each message as a line, and a message with LFs as several', () => {
    const { socket, events } = setup();
    socket.deliver('JOIN ann');
    socket.deliver('BROADCAST a\nBROADCAST b\r\n');
    expect(events).toEqual(['line:JOIN ann', 'line:BROADCAST a', 'line:BROADCAST b', 'line:']);
  });

  it('decodes invalid UTF-8 as U+FFFD, as on TCP', () => {
    const { socket, events } = setup();
    socket.deliver(new Uint8Array([0x68, 0xff, 0x69]), true);
    expect(events).toEqual(['line:h\uFFFDi']);
  });

  it('takes a line of exactly maxLineBytes and reports one byte more as over-long', () => {
    const { socket, events } = setup();
    socket.deliver('x'.repeat(16));
    socket.deliver('y'.repeat(17));
    expect(events).toEqual([`line:${'x'.repeat(16)}`, 'overlong:17']);
  });

  it('hands a batch of lines to the socket whole (one message each), never copied', () => {
    const { socket, link } = setup();
    const shared = encodeLines(['[Server] one', '[Server] two']);
    link.write(shared);
    expect(socket.texts()).toEqual(['[Server] one', '[Server] two']);
    expect(socket.lineBuffers).toEqual([shared]);
    expect(socket.lineBuffers[0]).toBe(shared);
  });

  it('counts queued bytes as pending output', () => {
    const { socket, link } = setup();
    socket.bufferedAmount = 1234;
    expect(link.pendingOutputBytes).toBe(1234);
  });

  it('end sends the final line, then closes normally; closed fires once from the socket', () => {
    const { socket, link, events } = setup();
    link.end('[Server] Goodbye, ann.');
    expect(socket.texts()).toEqual(['[Server] Goodbye, ann.']);
    expect(socket.closedWith).toBe(1000);
    link.writeLine('late');
    expect(socket.texts()).toHaveLength(1);
    socket.closeFromPeer(1000);
    expect(events).toEqual(['closed:false']);
  });

  it('a close that is not normal is reported as a broken connection', () => {
    const { socket, events } = setup();
    socket.closeFromPeer(1006);
    expect(events).toEqual(['closed:true']);
  });

  it('raw input: binary messages after the command line go to the sink; an empty one ends it', () => {
    const got: string[] = [];
    const handler = recorder();
    const socket2 = new FakeWebSocket();
    const link2 = new WebSocketLineLink(socket2, LIMITS);
    link2.attach({
      ...handler.handler,
      line: (text) => {
        handler.events.push(`line:${text}`);
        link2.startRawInput({ data: (bytes) => got.push(new TextDecoder().decode(bytes)), end: () => got.push('<end>') });
      },
    });
    socket2.deliver('UPLOAD_RAW f.txt\nrest of chunk');
    socket2.deliver(new TextEncoder().encode('more'), true);
    socket2.deliver(new Uint8Array(0), true);
    expect(handler.events).toEqual(['line:UPLOAD_RAW f.txt']);
    expect(got).toEqual(['rest of chunk', 'more', '<end>']);
  });

  it('raw output goes as binary messages; lines written meanwhile follow it', () => {
    const { socket, link } = setup();
    let drains = 0;
    const raw = link.startRawOutput(() => drains++);
    expect(raw.write(new Uint8Array([1, 2, 3]))).toBe(true);
    link.writeLine('[Server] held');
    expect(link.pendingOutputBytes).toBe('[Server] held\n'.length);
    socket.drain!();
    raw.end();
    expect(socket.sent.map((s) => s.binary)).toEqual([true, false]);
    expect(socket.texts()).toEqual(['[Server] held']);
    expect(drains).toBe(1);
  });

  it('pause and resume reach the socket; destroy terminates it', () => {
    const { socket, link } = setup();
    link.pause();
    expect(socket.paused).toBe(true);
    link.resume();
    expect(socket.paused).toBe(false);
    link.destroy();
    expect(socket.terminated).toBe(true);
  });
});
