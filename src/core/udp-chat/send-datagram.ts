// Sending one datagram on an unconnected UDP socket, past errors that are not its own.
//
// A datagram sent to a closed port brings back an ICMP "port unreachable". Node and Deno never
// report it on an unconnected socket. Bun (and the binary built with it) asks the kernel for
// such reports (IP_RECVERR): the report is pending on the socket until something takes it — a
// receive, which Bun turns into an `error` event, or the next send, whatever its destination,
// which then fails with ECONNREFUSED and sends nothing. On loopback the report is back before
// the next send of the same tick (across a network, a later send takes it), so a server
// relaying to a user who has gone (its client killed, `nc -u` closed) loses the datagram that
// follows, to someone else. Such a send is tried again. Each failure takes one report, and each report comes from a datagram that did go
// out, so the tries end; the cap only bounds a runtime that behaves otherwise.
import type { UdpSocket } from '../../runtime/types.ts';

/** The code a send fails with when a port-unreachable report for an earlier datagram was pending. */
const PORT_UNREACHABLE = 'ECONNREFUSED';

/** Tries of one datagram while each fails with someone else's report. Bun 1.4.5 needed up to 6 with ~30 users gone. */
export const MAX_SEND_ATTEMPTS = 10;

/** Whether `error` is a port-unreachable report: some datagram went to a closed port. */
export function isPortUnreachable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === PORT_UNREACHABLE;
}

/**
 * Send `data`, again while the send fails with a port-unreachable report (up to
 * MAX_SEND_ATTEMPTS tries in all); any other error, or the last, is the caller's. A datagram
 * sent again may arrive after one sent just after it: UDP promises no order anyway.
 */
export async function sendDatagram(socket: UdpSocket, data: Uint8Array | string, port: number, host: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await socket.send(data, port, host);
    } catch (error) {
      if (!isPortUnreachable(error) || attempt >= MAX_SEND_ATTEMPTS) throw error;
    }
  }
}
