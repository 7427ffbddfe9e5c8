// An accepted node:net socket switched to reading into one buffer of its own. node:net reads
// every 64 KiB into fresh memory that V8 frees only when it collects; a connection made with
// `onread` reads into one reused buffer instead (a download then cost a third of the CPU: fewer
// page faults, nothing to collect). `net.createServer` takes no `onread` for the sockets it
// accepts (nodejs/node#53792), but every net.Socket carries the fields `onread` fills and its
// handle the call it makes: filled in later, the socket reads as if it had been made with it.
// Node only, and only where those fields are found as described: anywhere else this declines,
// and the socket goes on reading into fresh memory.
import type net from 'node:net';
import { detectRuntime } from './detect.ts';

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/** Node's own symbols on every net.Socket (lib/net.js), found by their descriptions. */
function ownSymbol(socket: net.Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === description);
}

/**
 * From the next read on, `socket` reads into one buffer of `bytes` and emits each read as a
 * 'data' chunk that views it: valid only until the listeners return. False, changing nothing,
 * where that cannot be done here: then its chunks stay fresh memory.
 */
export function readIntoOwnBuffer(socket: net.Socket, bytes: number): boolean {
  if (detectRuntime() !== 'node') return false;
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  const kBuffer = ownSymbol(socket, 'kBuffer');
  const kBufferCb = ownSymbol(socket, 'kBufferCb');
  const fields = socket as unknown as Record<symbol, unknown>;
  if (!handle || typeof handle.useUserBuffer !== 'function' || !kBuffer || !kBufferCb) return false;
  // Already switched (or made with `onread`); or reads pushed but not yet consumed, which would
  // come after the ones emitted from now on.
  if (fields[kBuffer] !== null || fields[kBufferCb] !== null || socket.readableLength > 0 || socket.destroyed) return false;
  const buffer = Buffer.allocUnsafe(bytes);
  fields[kBuffer] = buffer;
  fields[kBufferCb] = (read: number, into: Buffer) => {
    socket.emit('data', into.subarray(0, read));
  };
  handle.useUserBuffer(buffer);
  return true;
}
