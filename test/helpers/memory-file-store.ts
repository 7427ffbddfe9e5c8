// A FileStore in memory, with POSIX paths and errno codes, for core tests that share, upload and
// download files without touching the disk. `capacityBytes` makes a small disk (ENOSPC, and what
// freeBytes reports); `writeFile`, `readFile` and `symlink` set up and check what the store
// holds without going through it. The runtime contract suite holds it to the real store.
import path from 'node:path/posix';
import { createSha256 } from '../../src/runtime/node-hash.ts';
import { runtimeError } from '../../src/runtime/runtime-errors.ts';
import type { DirectoryEntry, FileKind, FileReader, FileStat, FileStore, FileWriter, ReadRange, WriteOptions } from '../../src/runtime/types.ts';
import { MemoryFileWriter } from './memory-file-writer.ts';

export type MemoryNode =
  | { kind: 'file'; data: Uint8Array; mtimeMs: number; permissions: number }
  | { kind: 'directory'; entries: Map<string, MemoryNode>; mtimeMs: number; permissions: number }
  | { kind: 'symlink'; target: string; mtimeMs: number; permissions: number };

const MAX_SYMLINK_HOPS = 40;
const DEFAULT_CHUNK_BYTES = 64 * 1024;

export function fsError(code: string, syscall: string, target: string): Error & { code: string } {
  return Object.assign(new Error(`${code}: ${syscall} '${target}'`), { code, syscall, path: target });
}

// A node keeps its number through renames, as a file keeps its inode.
const nodeIds = new WeakMap<MemoryNode, number>();
let lastNodeId = 0;

function idOf(node: MemoryNode): number {
  let id = nodeIds.get(node);
  if (id === undefined) nodeIds.set(node, (id = ++lastNodeId));
  return id;
}

function statOf(node: MemoryNode): FileStat {
  const size = node.kind === 'file' ? node.data.length : node.kind === 'symlink' ? node.target.length : 4096;
  return { kind: node.kind satisfies FileKind, size, mtimeMs: node.mtimeMs, permissions: node.permissions, fileId: `memory:${idOf(node)}` };
}

export class MemoryFileStore implements FileStore {
  /** Bytes all files may hold together (default: no limit, 1 TiB reported free). */
  capacityBytes = Number.POSITIVE_INFINITY;
  private readonly root: MemoryNode = { kind: 'directory', entries: new Map(), mtimeMs: 0, permissions: 0o755 };
  private clock = 1_700_000_000_000;

  now(): number {
    return (this.clock += 1);
  }

  get usedBytes(): number {
    const sum = (node: MemoryNode): number =>
      node.kind === 'file' ? node.data.length : node.kind === 'directory' ? [...node.entries.values()].reduce((total, child) => total + sum(child), 0) : 0;
    return sum(this.root);
  }

  // ---- set-up and inspection for tests ----------------------------------------------------------

  writeFile(target: string, data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data.slice();
    const { parent, name } = this.parentOf(target, 'open');
    parent.entries.set(name, { kind: 'file', data: bytes, mtimeMs: this.now(), permissions: 0o644 });
  }

  readFile(target: string): Uint8Array {
    const node = this.lookup(target, true, 'open');
    if (node.kind !== 'file') throw fsError('EISDIR', 'read', target);
    return node.data;
  }

  symlink(linkTarget: string, target: string): void {
    const { parent, name } = this.parentOf(target, 'symlink');
    if (parent.entries.has(name)) throw fsError('EEXIST', 'symlink', target);
    parent.entries.set(name, { kind: 'symlink', target: linkTarget, mtimeMs: this.now(), permissions: 0o777 });
  }

  // ---- paths -----------------------------------------------------------------------------------

  join = (...parts: string[]) => path.join(...parts);
  resolve = (...parts: string[]) => path.resolve('/', ...parts);
  relative = (from: string, to: string) => path.relative(this.resolve(from), this.resolve(to));
  dirname = (target: string) => path.dirname(target);
  basename = (target: string) => path.basename(target);
  isAbsolute = (target: string) => path.isAbsolute(target);

  /** The node at `target`; symlinks on the way are followed, the last one only if `follow`. */
  lookup(target: string, follow: boolean, syscall: string, hops = 0): MemoryNode {
    return this.walk(target, follow, syscall, hops).node;
  }

  private walk(target: string, follow: boolean, syscall: string, hops = 0): { node: MemoryNode; real: string } {
    let node = this.root;
    let real = '/';
    const parts = this.resolve(target).split('/').filter(Boolean);
    for (const [index, part] of parts.entries()) {
      if (node.kind !== 'directory') throw fsError('ENOTDIR', syscall, target);
      const child = node.entries.get(part);
      if (!child) throw fsError('ENOENT', syscall, target);
      const last = index === parts.length - 1;
      if (child.kind === 'symlink' && (!last || follow)) {
        if (hops >= MAX_SYMLINK_HOPS) throw fsError('ELOOP', syscall, target);
        const next = this.walk(path.resolve(real, child.target), true, syscall, hops + 1);
        node = next.node;
        real = next.real;
      } else {
        node = child;
        real = path.join(real, part);
      }
    }
    return { node, real };
  }

  private parentOf(target: string, syscall: string): { parent: Extract<MemoryNode, { kind: 'directory' }>; name: string } {
    const parent = this.lookup(this.dirname(this.resolve(target)), true, syscall);
    if (parent.kind !== 'directory') throw fsError('ENOTDIR', syscall, target);
    return { parent, name: this.basename(this.resolve(target)) };
  }

  // ---- the FileStore ---------------------------------------------------------------------------

  async *list(directory: string): AsyncGenerator<DirectoryEntry> {
    await Promise.resolve();
    const node = this.lookup(directory, true, 'opendir');
    if (node.kind !== 'directory') throw fsError('ENOTDIR', 'opendir', directory);
    for (const name of [...node.entries.keys()]) {
      const child = node.entries.get(name);
      if (child) yield { name, ...statOf(child) };
    }
  }

  lstat = async (target: string) => statOf(this.lookup(target, false, 'lstat'));
  stat = async (target: string) => statOf(this.lookup(target, true, 'stat'));
  realpath = async (target: string) => this.walk(target, true, 'realpath').real;

  async openRead(target: string): Promise<FileReader> {
    const node = this.lookup(target, false, 'open');
    if (node.kind === 'symlink') throw fsError('ELOOP', 'open', target);
    if (node.kind === 'directory') throw fsError('EISDIR', 'open', target);
    const stat = statOf(node);
    return {
      stat,
      chunks: (range) => chunksOf(node, target, range),
      close: async () => {},
    };
  }

  async *read(target: string, range?: ReadRange): AsyncGenerator<Uint8Array> {
    const reader = await this.openRead(target);
    yield* reader.chunks(range);
  }

  async sha256(target: string, range: Omit<ReadRange, 'chunkBytes'> = {}): Promise<{ sha256: string; stat: FileStat }> {
    const reader = await this.openRead(target);
    const hash = createSha256();
    for await (const chunk of reader.chunks(range)) hash.update(chunk);
    return { sha256: hash.digestHex(), stat: reader.stat };
  }

  async openWrite(target: string, options: WriteOptions): Promise<FileWriter> {
    await Promise.resolve();
    const { parent, name } = this.parentOf(target, 'open');
    let node = parent.entries.get(name);
    if (node && options.mode === 'create') throw fsError('EEXIST', 'open', target);
    if (node?.kind === 'symlink') throw fsError('ELOOP', 'open', target);
    if (node?.kind === 'directory') throw fsError('EISDIR', 'open', target);
    if (!node) {
      node = { kind: 'file', data: new Uint8Array(0), mtimeMs: this.now(), permissions: options.permissions ?? 0o644 };
      parent.entries.set(name, node);
    }
    return new MemoryFileWriter(this, node, target, options.highWaterMark, () => {
      if (parent.entries.get(name) === node) parent.entries.delete(name);
    });
  }

  async renameNoReplace(from: string, to: string): Promise<void> {
    await Promise.resolve();
    const source = this.parentOf(from, 'rename');
    const node = source.parent.entries.get(source.name);
    if (!node) throw fsError('ENOENT', 'rename', from);
    const destination = this.parentOf(to, 'rename');
    if (destination.parent.entries.has(destination.name)) throw fsError('EEXIST', 'rename', to);
    source.parent.entries.delete(source.name);
    destination.parent.entries.set(destination.name, node);
  }

  async remove(target: string): Promise<void> {
    await Promise.resolve();
    const { parent, name } = this.parentOf(target, 'unlink');
    const node = parent.entries.get(name);
    if (!node) throw fsError('ENOENT', 'unlink', target);
    if (node.kind === 'directory' && node.entries.size > 0) throw fsError('ENOTEMPTY', 'rmdir', target);
    parent.entries.delete(name);
  }

  async makeDirectory(target: string, options: { recursive?: boolean } = {}): Promise<void> {
    await Promise.resolve();
    const parts = this.resolve(target).split('/').filter(Boolean);
    for (const [index] of parts.entries()) {
      const here = '/' + parts.slice(0, index + 1).join('/');
      const last = index === parts.length - 1;
      const existing = this.lookupOrUndefined(here);
      if (existing?.kind === 'directory' && (options.recursive || !last)) continue;
      if (existing) throw fsError(existing.kind === 'directory' || last ? 'EEXIST' : 'ENOTDIR', 'mkdir', target);
      if (!last && !options.recursive) throw fsError('ENOENT', 'mkdir', target);
      const { parent, name } = this.parentOf(here, 'mkdir');
      parent.entries.set(name, { kind: 'directory', entries: new Map(), mtimeMs: this.now(), permissions: 0o755 });
    }
  }

  async freeBytes(target: string): Promise<number> {
    this.lookup(target, true, 'statfs');
    return Number.isFinite(this.capacityBytes) ? Math.max(0, this.capacityBytes - this.usedBytes) : 2 ** 40;
  }

  private lookupOrUndefined(target: string): MemoryNode | undefined {
    try {
      return this.lookup(target, true, 'stat');
    } catch {
      return undefined;
    }
  }
}

async function* chunksOf(node: Extract<MemoryNode, { kind: 'file' }>, target: string, range: ReadRange = {}): AsyncGenerator<Uint8Array> {
  const { start = 0, end, chunkBytes = DEFAULT_CHUNK_BYTES } = range;
  const whole = (value: number) => Number.isSafeInteger(value) && value >= 0;
  if (!whole(start) || (end !== undefined && (!whole(end) || end < start)) || !Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > 16 * 1024 * 1024) {
    throw runtimeError('ERR_OUT_OF_RANGE', `byte range ${start}..${end ?? 'end'} by ${chunkBytes} is not a range`);
  }
  for (let position = start; end === undefined || position < end; ) {
    await Promise.resolve();
    const stop = Math.min(node.data.length, position + chunkBytes, end ?? Number.POSITIVE_INFINITY);
    if (stop <= position) {
      if (end !== undefined) throw runtimeError('FILE_SHORT_READ', `${target} ended at byte ${position}, before byte ${end}`);
      return;
    }
    yield node.data.slice(position, stop);
    position = stop;
  }
}
