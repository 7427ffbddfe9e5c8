// The WebSocket framing the runtime does itself for chat lines, read back by `ws`'s own
// receiver: every length class of the frame header, and one framing per shared buffer.
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';

/** `ws`'s frame parser (exported, though its types do not say so). */
interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer, done: () => void): void;
}
const Receiver = (ws as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver }).Receiver;
import { framedTextLines } from '../../src/runtime/node-http.ts';

function readBack(framed: Uint8Array): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const messages: string[] = [];
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer) => messages.push(String(data)));
    receiver.on('error', reject);
    receiver.write(Buffer.from(framed), () => resolve(messages));
  });
}

describe('framedTextLines', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 70000])('frames a line of %i bytes as one text message', async (length) => {
    const line = 'x'.repeat(length);
    const framed = framedTextLines(new TextEncoder().encode(`${line}\n`));
    expect(await readBack(framed)).toEqual([line]);
  });

  it('frames each line of a batch, multi-byte text intact', async () => {
    const lines = ['[Broadcast] ann: héllo ✓', '[Server] bea has joined the chat.', ''];
    expect(await readBack(framedTextLines(new TextEncoder().encode(`${lines.join('\n')}\n`)))).toEqual(lines);
  });

  it('frames a buffer once, however many connections get it', () => {
    const shared = new TextEncoder().encode('[Broadcast] ann: hi\n');
    expect(framedTextLines(shared)).toBe(framedTextLines(shared));
  });
});
