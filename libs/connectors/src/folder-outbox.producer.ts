import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RetryableError } from '@app/contracts';
import { assertSafeFilename } from './filename.guard.js';

/**
 * Writes result files to `<root>/<routeId>/<filename>` so that a legacy system polling the folder
 * only ever sees complete files: the content goes to a hidden temp name in the same folder (same
 * file system, so the rename is atomic), is flushed to disk, and is then renamed over the final
 * name. Writing the same name again replaces the file, so a retried write-back is harmless.
 */
export class FolderOutbox {
  constructor(private readonly root: string) {}

  async write(routeId: string, filename: string, content: string | Buffer): Promise<string> {
    assertSafeFilename(routeId, 'route id');
    assertSafeFilename(filename);
    const dir = join(this.root, routeId);
    const target = join(dir, filename);
    // Dot prefix and .tmp suffix: pollers (ours included) skip it while it is incomplete.
    const temp = join(dir, `.${filename}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      // A full disk or a share that is away may well work later.
      throw new RetryableError(`writing ${filename} to the outbox of route ${routeId} failed: ${(error as Error).message}`, 'outbox-write-failed', {
        cause: error,
      });
    }
    await syncDirectory(dir);
    return target;
  }
}

/** Makes the rename itself durable; not every platform can open a directory, so this is best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some network file systems refuse fsync on a directory; the file itself is synced.
  }
}
