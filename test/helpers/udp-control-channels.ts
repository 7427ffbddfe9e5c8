// Control channels for the UDP transfer drivers outside the chat server: a connected in-memory
// pair (lines arrive in order, asynchronously, as over TCP), and one over a real TCP
// connection with LF-terminated lines.
import net from 'node:net';
import type { ControlChannel } from '../../src/core/udp-transfer/transfer-io.ts';

class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();

  add(listener: (...args: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(...args: T): void {
    for (const listener of [...this.set]) listener(...args);
  }
}

export interface TestControlChannel extends ControlChannel {
  /** Every line this side sent, in order. */
  readonly sent: string[];
  close(): void;
}

class MemoryChannel implements TestControlChannel {
  readonly sent: string[] = [];
  peer!: MemoryChannel;
  closed = false;
  readonly lines = new Listeners<[string]>();
  readonly closes = new Listeners<[]>();

  constructor(readonly remoteAddress: string) {}

  sendLine(line: string): void {
    if (this.closed) return;
    this.sent.push(line);
    const peer = this.peer;
    setImmediate(() => {
      if (!peer.closed) peer.lines.emit(line);
    });
  }

  onLine(listener: (line: string) => void): () => void {
    return this.lines.add(listener);
  }

  onClose(listener: () => void): () => void {
    return this.closes.add(listener);
  }

  close(): void {
    for (const side of [this, this.peer]) {
      if (side.closed) continue;
      side.closed = true;
      setImmediate(() => side.closes.emit());
    }
  }
}

/** Two connected channels; each side's `remoteAddress` is the other's address. */
export function memoryControlPair(senderAddress = '127.0.0.1', receiverAddress = '127.0.0.1'): { sender: TestControlChannel; receiver: TestControlChannel } {
  const sender = new MemoryChannel(receiverAddress);
  const receiver = new MemoryChannel(senderAddress);
  sender.peer = receiver;
  receiver.peer = sender;
  return { sender, receiver };
}

/** A control channel over a connected TCP socket: one line per LF. */
export function tcpControlChannel(socket: net.Socket): TestControlChannel {
  const lines = new Listeners<[string]>();
  const closes = new Listeners<[]>();
  const sent: string[] = [];
  let buffered = '';
  socket.setEncoding('latin1');
  socket.setNoDelay(true);
  socket.on('data', (text: string) => {
    buffered += text;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.emit(line);
    }
  });
  socket.on('close', () => closes.emit());
  socket.on('error', () => {});
  return {
    remoteAddress: socket.remoteAddress ?? '',
    sent,
    sendLine(line) {
      sent.push(line);
      socket.write(`${line}\n`);
    },
    onLine: (listener) => lines.add(listener),
    onClose: (listener) => closes.add(listener),
    close: () => socket.destroy(),
  };
}

/** A TCP connection on `host` (port 0) and both of its ends as control channels. */
export async function tcpControlPair(host = '127.0.0.1'): Promise<{ sender: TestControlChannel; receiver: TestControlChannel; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({ port, host });
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const serverSide = await accepted;
  server.close();
  return {
    sender: tcpControlChannel(serverSide),
    receiver: tcpControlChannel(client),
    close() {
      serverSide.destroy();
      client.destroy();
    },
  };
}
