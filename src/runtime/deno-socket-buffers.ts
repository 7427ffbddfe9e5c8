// SO_RCVBUF and SO_SNDBUF for Deno's UDP sockets, which Deno cannot set: its node:dgram keeps
// the size asked for to itself, and `Deno.listenDatagram` has no such option. Without it the
// socket keeps `net.core.rmem_default` (208 KiB: the queue holds two 64 KiB datagrams), and a
// download's window is that small.
//
// Linux only, and only with the FFI permission already granted (`-A`; never prompted for): the
// socket's descriptor is the one of this process's sockets bound to the port (/proc/self/fd
// against /proc/self/net/udp{,6}), and libc's setsockopt sets the option on it. Anything
// unexpected (another libc, another OS, two sockets on that port) leaves the socket as it is.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;

interface SocketOptionSymbols {
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, length: Uint8Array): number;
}

interface DenoFfi {
  build?: { os?: string };
  permissions?: { querySync?(descriptor: { name: 'ffi' }): { state: string } };
  dlopen?(path: string, symbols: Record<string, { parameters: string[]; result: string }>): { symbols: unknown };
}

let libc: SocketOptionSymbols | null | undefined;

/** libc's setsockopt and getsockopt, once; null where they cannot be had. */
function socketOptionSymbols(): SocketOptionSymbols | null {
  if (libc !== undefined) return libc;
  libc = null;
  const deno = (globalThis as { Deno?: DenoFfi }).Deno;
  try {
    if (deno?.build?.os !== 'linux' || deno.permissions?.querySync?.({ name: 'ffi' }).state !== 'granted' || !deno.dlopen) return libc;
    libc = deno.dlopen('libc.so.6', {
      setsockopt: { parameters: ['i32', 'i32', 'i32', 'buffer', 'u32'], result: 'i32' },
      getsockopt: { parameters: ['i32', 'i32', 'i32', 'buffer', 'buffer'], result: 'i32' },
    }).symbols as SocketOptionSymbols;
  } catch {
    // no FFI, or no glibc
  }
  return libc;
}

/** Inodes of the UDP sockets bound to `port` in this network namespace (any process). */
function socketInodes(port: number, family: 'IPv4' | 'IPv6'): Set<string> {
  const table = readFileSync(family === 'IPv6' ? '/proc/self/net/udp6' : '/proc/self/net/udp', 'utf8');
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    if (fields.length > 9 && fields[1]!.endsWith(suffix)) inodes.add(fields[9]!);
  }
  return inodes;
}

/** This process's descriptor of the UDP socket bound to `port`; undefined unless exactly one. */
function socketDescriptor(port: number, family: 'IPv4' | 'IPv6'): number | undefined {
  const inodes = socketInodes(port, family);
  if (inodes.size === 0) return undefined;
  const found: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) found.push(Number(name));
  }
  return found.length === 1 ? found[0] : undefined;
}

function setBuffer(option: number, port: number, family: 'IPv4' | 'IPv6', bytes: number): number | undefined {
  const symbols = socketOptionSymbols();
  if (!symbols) return undefined;
  try {
    const fd = socketDescriptor(port, family);
    if (fd === undefined) return undefined;
    const value = new Int32Array([Math.min(bytes, 0x3fff_ffff)]);
    if (symbols.setsockopt(fd, SOL_SOCKET, option, new Uint8Array(value.buffer), 4) !== 0) return undefined;
    const length = new Uint32Array([4]);
    if (symbols.getsockopt(fd, SOL_SOCKET, option, new Uint8Array(value.buffer), new Uint8Array(length.buffer)) !== 0) return undefined;
    return value[0];
  } catch {
    return undefined;
  }
}

/**
 * Ask the kernel for a receive queue of `bytes` for the UDP socket bound to `port`, as Node's
 * setRecvBufferSize does (Linux doubles it, within 2 × net.core.rmem_max). The size granted,
 * or undefined when it could not be set.
 */
export function setDenoReceiveBuffer(port: number, family: 'IPv4' | 'IPv6', bytes: number): number | undefined {
  return setBuffer(SO_RCVBUF, port, family, bytes);
}

/** Likewise SO_SNDBUF. */
export function setDenoSendBuffer(port: number, family: 'IPv4' | 'IPv6', bytes: number): number | undefined {
  return setBuffer(SO_SNDBUF, port, family, bytes);
}

/** `net.core.rmem_default`: what a socket that asked for nothing holds; undefined off Linux. */
export function systemDefaultReceiveBuffer(): number | undefined {
  try {
    const bytes = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
    return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}
