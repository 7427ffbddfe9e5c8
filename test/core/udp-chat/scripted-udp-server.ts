// A raw UDP socket playing a UDP chat server as far as the test wants: it answers netchat's
// `/join <name>` with a join code, the code with `[SERVER] <name> has joined the chat.` and
// `/quit` with the goodbye; after the announcement it sends whatever the test says — a welcome, escape sequences, nothing at all. It stands in
// for a hostile server (or anyone spoofing the server's address), or one that dies mid-join.
import dgram from 'node:dgram';

export const SCRIPTED_CODE = 'k3x9pq';

export interface ScriptedUdpServerOptions {
  /** What to send after the join announcement, once per client address; default: nothing. */
  afterJoined?: (name: string) => Array<string | Uint8Array>;
  /** The answer to `/join <name>`; default: the join code. */
  answerJoin?: (name: string) => Array<string | Uint8Array>;
}

export interface ScriptedUdpServer {
  port: number;
  /** Every datagram received, as text. */
  readonly received: string[];
  /** Resolves once the code has come back (the join was announced). */
  announced: Promise<void>;
  /** Send to every client whose join was announced. */
  sendToClients(datagrams: Array<string | Uint8Array>): void;
  close(): void;
}

export async function startScriptedUdpServer(options: ScriptedUdpServerOptions = {}): Promise<ScriptedUdpServer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const received: string[] = [];
  const names = new Map<string, string>();
  const announcedTo = new Map<string, dgram.RemoteInfo>();
  let markAnnounced!: () => void;
  const announced = new Promise<void>((resolve) => (markAnnounced = resolve));
  let closed = false;
  const send = (datagrams: Array<string | Uint8Array>, to: dgram.RemoteInfo) => {
    for (const datagram of datagrams) if (!closed) socket.send(datagram, to.port, to.address);
  };
  socket.on('message', (data, from) => {
    const text = data.toString('utf8').trim();
    const key = `${from.address}:${from.port}`;
    received.push(text);
    const join = /^\/join (\S+)$/.exec(text);
    if (join) {
      names.set(key, join[1]!);
      return send(options.answerJoin?.(join[1]!) ?? [`[SERVER] Send ${SCRIPTED_CODE} to join as ${join[1]}.`], from);
    }
    const name = names.get(key);
    if (name !== undefined && text === '/quit') return send([`[SERVER] Goodbye, ${name}.`], from);
    if (name === undefined || text !== SCRIPTED_CODE || announcedTo.has(key)) return;
    announcedTo.set(key, from);
    send([`[SERVER] ${name} has joined the chat.`, ...(options.afterJoined?.(name) ?? [])], from);
    markAnnounced();
  });
  return {
    port: socket.address().port,
    received,
    announced,
    sendToClients: (datagrams) => {
      for (const client of announcedTo.values()) send(datagrams, client);
    },
    close: () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}

/** The welcome a netchat server sends, with its default limits. */
export function scriptedWelcome(name: string): string {
  return (
    `[SERVER] Welcome, ${name}! 1 user online. Send /quit to leave; an empty line now and then keeps you in. ` +
    'Limits: max-datagram-bytes=1024 flood-burst=10 flood-rate=5 idle-timeout-ms=120000'
  );
}
