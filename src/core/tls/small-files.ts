// Small text files of the TLS room (known hosts, certificate and key PEM) read whole and written
// private: they are a few kilobytes, and a key must never be readable by others.
import { concatBytes } from '../../protocol/shared/bytes.ts';
import type { FileStore } from '../../runtime/types.ts';

/** The most a TLS room file may hold: a known-hosts file of thousands of servers fits. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** The file's text; undefined when it does not exist. */
export async function readSmallText(store: FileStore, path: string): Promise<string | undefined> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of store.read(path)) {
      total += chunk.length;
      if (total > MAX_FILE_BYTES) throw Object.assign(new Error(`${path} is over ${MAX_FILE_BYTES} bytes`), { code: 'FILE_TOO_LARGE' });
      parts.push(chunk);
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  return new TextDecoder().decode(concatBytes(parts, total));
}

/** Write a new file (EEXIST if one is there) or add to one, owner-only when created. */
export async function writeSmallText(store: FileStore, path: string, text: string, mode: 'create' | 'append'): Promise<void> {
  await store.makeDirectory(store.dirname(path), { recursive: true });
  const writer = await store.openWrite(path, { mode, permissions: PRIVATE_FILE_MODE });
  try {
    writer.write(new TextEncoder().encode(text));
    await writer.close({ sync: true });
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
}
