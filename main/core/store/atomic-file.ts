// Whole-file writes that never leave a cut file behind: write a temp file beside the target, fsync it,
// rename it over the target, fsync the folder. A failed write (ENOSPC...) removes the temp file and
// leaves the previous file as it was.
//
// Why not `atomically` (what conf uses): it writes the data with ONE write(2) call and does not look at
// the count it returns. On a nearly full disk write(2) is short (it writes what fits, no error), and the
// short temp file is fsynced and renamed over the store: the store cut at exactly the free bytes
// (16,384 was seen), a JSON file no one can read. Here every byte is written (short writes looped, the
// error of the write that cannot go on thrown) before the rename.
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

export function writeFileAtomic(file: string, data: string | Uint8Array, options: { readonly mode?: number } = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${(counter += 1)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w', options.mode ?? 0o600);
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    writeAll(fd, buffer);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    renameWithRetry(temp, file);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(path.dirname(file));
}

/** Writes all of `buffer` at the fd's position: a short write is continued, a failing one throws. */
export function writeAll(fd: number, buffer: Uint8Array): void {
  for (let offset = 0; offset < buffer.length; ) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
}

/**
 * rename(2) is atomic on POSIX file systems. On Windows, MoveFileEx over a file another program holds
 * open for a moment (an antivirus, the indexer, a reader in another process) fails with EPERM/EACCES/EBUSY:
 * try again for up to a second before giving up, as the failure is almost always transient there.
 */
function renameWithRetry(from: string, to: string): void {
  const deadline = Date.now() + 1000;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || Date.now() > deadline) throw error;
      sleepSync(wait);
    }
  }
}

/** Blocks the thread for `ms` (sync code paths only: lock waits, Windows rename retries). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Makes a rename or a new file in `dir` durable (a no-op where directories cannot be opened, e.g. Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported on this platform or file system
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
