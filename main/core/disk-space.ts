// Free space checks, so a download fails early with DISK_FULL instead of filling the disk.
// The lookup is a parameter so tests can simulate a full disk.
import fs from 'node:fs';
import path from 'node:path';
import { EmrecError } from './errors.ts';

export type FreeBytesFn = (dir: string) => Promise<number>;

/** Bytes available to this user on the file system holding `dir` (or its nearest existing parent). */
export const freeBytes: FreeBytesFn = async (dir) => {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.promises.statfs(current);
      return s.bavail * s.bsize;
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
};

/** Throws DISK_FULL (details `{ needed, free }`) when `dir` has fewer than `needed` bytes free. */
export async function ensureSpace(dir: string, needed: number, lookup: FreeBytesFn = freeBytes): Promise<void> {
  if (!(needed > 0)) return;
  const free = await lookup(dir);
  if (free < needed) {
    throw new EmrecError('DISK_FULL', `Not enough free space in ${dir}: ${needed} bytes needed, ${free} free`, {
      details: { needed, free, dir },
    });
  }
}

/**
 * `mkdir -p` that reports why a level could not be made: Node's recursive mkdir says ENOENT for a
 * read-only or forbidden parent; making the missing levels one by one gives the real EROFS/EACCES.
 */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const missing: string[] = [];
    for (let d = path.resolve(dir); !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) await fs.promises.mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

/**
 * A local file-system error as what the person can act on: ENOSPC/EDQUOT → DISK_FULL, EROFS/EACCES/EPERM →
 * FOLDER_NOT_WRITABLE, and a file where the folder (or one on its path) belongs (EEXIST/ENOTDIR from
 * making it) → FOLDER_NOT_WRITABLE, each naming the folder; other errors unchanged.
 */
export function asLocalError(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EmrecError('DISK_FULL', `The disk holding ${dir} is full`, { details: { dir }, cause: error });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot write to ${dir} (${code}): check that the folder is not read-only and that you may write there`, {
      details: { dir, reason: code },
      cause: error,
    });
  }
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot use ${dir} as a folder: it, or a folder on its path, is a file (${code}): move or rename that file, or choose another folder`, {
      details: { dir, reason: code, unusable: 'file-in-path' },
      cause: error,
    });
  }
  return error;
}
