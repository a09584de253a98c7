/**
 * Atomic file writes: the content goes to a uniquely named temporary file in the same folder,
 * is flushed to disk, and is renamed over the target, so a reader (or a crash) sees either the
 * old file or the new one, never a part. Used for reports, manifests, caches and precomputed
 * embeddings; the multi-file formats (buffers, checkpoints) use the column store's protocol.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes `content` to `path` atomically (temp file, fsync, rename). The folder must exist.
 * @throws the underlying file-system error; the temporary file is removed first.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = tempName(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Asynchronous {@link writeFileAtomic}.
 * @throws (as a rejection) the underlying file-system error; the temporary file is removed first.
 */
export async function writeFileAtomicAsync(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = tempName(path);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
