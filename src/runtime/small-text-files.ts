import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { runtimeError } from './runtime-errors.ts';

/**
 * Small files a person may edit (accounts, bans): read whole, and replaced atomically, so a
 * reader or a crash never sees half a file. The shared-files store never replaces a file, on
 * purpose; these are the opposite case.
 */
export interface SmallTextFiles {
  /**
   * The file's text; undefined when it does not exist. Refuses a file over `maxBytes`, and
   * anything that is not a regular file (a device or a FIFO has no size to check: /dev/zero
   * would be read until memory ran out).
   */
  read(path: string, maxBytes: number): Promise<string | undefined>;
  /** Write a temporary file beside it, flush it to disk, and rename it over `path`. */
  replace(path: string, text: string, permissions: number): Promise<void>;
}

export const nodeSmallTextFiles: SmallTextFiles = {
  async read(path, maxBytes) {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw runtimeError('FILE_NOT_REGULAR', `${path} is not a regular file`);
      const { size } = stat;
      if (size > maxBytes) throw Object.assign(new Error(`${path} is over ${maxBytes} bytes`), { code: 'FILE_TOO_LARGE' });
      return await readFile(handle, 'utf8');
    } finally {
      await handle.close();
    }
  },
  async replace(path, text, permissions) {
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'wx', permissions);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  },
};
