/**
 * Putting a freshly built model folder where readers look, without a moment
 * in which a half-written folder could be loaded.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** rename() is atomic within a filesystem; the old copy is moved aside first because rename cannot replace a non-empty directory. */
export function swapDirectoryIntoPlace(tempDir: string, finalDir: string): void {
  const oldDir = join(dirname(finalDir), `.${basename(finalDir)}.old-${process.pid}`);
  const movedOld = renameIfPresent(finalDir, oldDir);
  try {
    renameSync(tempDir, finalDir);
  } catch (error) {
    // Two builds can race (two `npm test` runs build the same stand-in). If
    // the other one put its copy in place first, keep it.
    if (!existsSync(finalDir)) throw error;
  } finally {
    if (movedOld) rmSync(oldDir, { recursive: true, force: true });
  }
}

/** Like renameSync, but a missing source (e.g. moved away by a concurrent build) is not an error. */
function renameIfPresent(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
