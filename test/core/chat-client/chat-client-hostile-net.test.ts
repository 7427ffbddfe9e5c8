// ChatClient over real sockets against a hostile server: what the server names in [Limits] must
// not lift the client's own bounds.
import { afterEach, describe, expect, it } from 'vitest';
import { connectChat } from '../../../src/core/chat-client/chat-client.ts';
import { SERVER_LIMIT_RANGES } from '../../../src/core/chat-client/server-limit-ranges.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { startHostileServer, type HostileServer } from './hostile-chat-server.ts';

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ChatClient against a hostile server', () => {
  it('stops reading an endless line at its own ceiling, whatever max-reply-bytes the server names', async () => {
    server = await startHostileServer({ limits: '[Limits] max-line-bytes=4096 max-reply-bytes=1000000000000 flood-burst=0' });
    const client = await connectChat(getRuntime(), { host: '127.0.0.1', port: server.port });
    expect(await client.join('bot')).toMatchObject({ ok: true });
    const peer = await server.joined();
    // Four times the ceiling, never a line end; the server gives up and closes after that.
    const chunk = 'x'.repeat(64 * 1024);
    await peer.flood(chunk, 4 * SERVER_LIMIT_RANGES.maxReplyBytes.max);
    peer.socket.destroy();
    expect(await client.closed).toMatchObject({ reason: 'error', code: 'INPUT_OVERFLOW' });
  });
});
