// A file service over a real folder through the real runtime, as the net tests need it: the
// system clock, no free-disk reserve (test folders live on whatever disk there is), a 1 MiB send
// queue. Anything else a test sets itself.
import { openFileService, type FileService, type OpenFileServiceOptions } from '../../src/core/files/file-service.ts';
import { systemClock } from '../../src/core/shared/clock.ts';
import { getRuntime } from '../../src/runtime/index.ts';

export async function openRealFileService(
  directory: string,
  options: Partial<Omit<OpenFileServiceOptions, 'directory'>> = {},
): Promise<FileService> {
  const runtime = getRuntime();
  const { service } = await openFileService({
    store: runtime.files,
    newHash: () => runtime.sha256(),
    clock: systemClock,
    maxSendQueueBytes: 1024 * 1024,
    ...options,
    limits: { minFreeDiskBytes: 0, ...options.limits },
    directory,
  });
  return service;
}
