// File descriptors: how many this process may hold, and whether a few are free right now. A
// server that runs out cannot accept (EMFILE), and node:net does not say so on any runtime: Node
// accepts and drops the connection silently, Bun retries the accept in a busy loop, Deno's
// accept loop gives up. So the listener asks here, with a real descriptor, before it is too late.
import fs from 'node:fs';
import os from 'node:os';

/** The soft limit on open descriptors (`ulimit -n`), read from /proc on Linux; undefined elsewhere. */
export function descriptorLimit(): number | undefined {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** Out of descriptors, for this process (EMFILE) or the whole system (ENFILE). */
export const isDescriptorExhaustion = (error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
};

/**
 * Descriptors held open on purpose, so that running out happens while a few are still ours to
 * give back: released when the listener pauses, for the runtime itself and work in progress.
 */
export class DescriptorReserve {
  private held: number[] = [];

  constructor(private readonly size: number) {}

  /** Take the reserve (as much of it as is free). */
  take(): void {
    while (this.held.length < this.size) {
      const fd = openSpare();
      if (fd === undefined) return;
      this.held.push(fd);
    }
  }

  release(): void {
    for (const fd of this.held.splice(0)) fs.closeSync(fd);
  }
}

/**
 * Whether `count` more descriptors can be opened now: each is opened and closed again. The
 * error is the exhaustion that stopped it; another failure (no /dev/null) counts as free.
 */
export function probeFreeDescriptors(count: number): { free: true } | { free: false; error: Error & { code: string } } {
  const opened: number[] = [];
  try {
    for (let i = 0; i < count; i++) opened.push(fs.openSync(os.devNull, 'r'));
    return { free: true };
  } catch (error) {
    if (isDescriptorExhaustion(error)) return { free: false, error: error as Error & { code: string } };
    return { free: true };
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

function openSpare(): number | undefined {
  try {
    return fs.openSync(os.devNull, 'r');
  } catch {
    return undefined;
  }
}
