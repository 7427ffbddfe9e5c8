// A UDP chat server on a fake socket and a fake clock, with a helper that joins the way
// netchat's client does (padded /join, then the code).
import { expect } from 'vitest';
import { clientDatagram } from '../../../src/protocol/udp-chat/client-datagrams.ts';
import { startUdpChatServer, type UdpChatServer } from '../../../src/core/udp-chat/udp-chat-server.ts';
import type { UdpChatLimits } from '../../../src/core/udp-chat/udp-chat-limits.ts';
import type { UdpChatServerEvent } from '../../../src/core/udp-chat/udp-server-events.ts';
import type { UdpRemote } from '../../../src/runtime/types.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { countingRandomBytes, FakeUdpSocket } from './fake-udp.ts';

export interface UdpFakeChat {
  socket: FakeUdpSocket;
  clock: FakeClock;
  server: UdpChatServer;
  events: UdpChatServerEvent[];
  /** Join `name` from `remote` as netchat's client does; resolves once welcomed. */
  join(name: string, remote: UdpRemote): Promise<UdpRemote>;
}

/** Rate limit and send cap off unless `limits` turn them on; sweeps every 10 ms; takeover wait 100 ms. */
export async function startUdpFakeChat(
  limits: Partial<UdpChatLimits> = {},
  options: { clock?: FakeClock; randomBytes?: (count: number) => Uint8Array } = {},
): Promise<UdpFakeChat> {
  const socket = new FakeUdpSocket();
  const clock = options.clock ?? new FakeClock();
  const events: UdpChatServerEvent[] = [];
  const server = await startUdpChatServer(
    { bindUdp: async () => socket },
    {
      host: '127.0.0.1',
      port: 0,
      limits: { floodBurst: 0, maxSendBytesPerSecond: 0, ...limits },
      clock,
      randomBytes: options.randomBytes ?? countingRandomBytes(),
      onEvent: (event) => events.push(event),
      sweepIntervalMs: 10,
      takeoverWaitMs: 100,
    },
  );
  const join = async (name: string, remote: UdpRemote) => {
    socket.deliver(clientDatagram.join(name), remote);
    const challenge = /^\[SERVER\] Send (\w{6}) to join as /.exec(socket.textsTo(remote).at(-1) ?? '');
    expect(challenge, `no code for ${name}: ${socket.textsTo(remote).join(' | ')}`).not.toBeNull();
    socket.deliver(challenge![1]!, remote);
    expect(socket.textsTo(remote).at(-1)).toMatch(new RegExp(`^\\[SERVER\\] Welcome, ${name}!`));
    return remote;
  };
  return { socket, clock, server, events, join };
}
