// Whole-file writes that never leave a cut file behind: write a temp file beside the target, fsync it,
// rename it over the target, fsync the folder. A failed write (ENOSPC...) removes the temp file and
// leaves the previous file as it was.
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

export function writeFileAtomic(file: string, data: string | Uint8Array, options: { readonly mode?: number } = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${(counter += 1)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w', options.mode ?? 0o600);
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let offset = 0; offset < buffer.length; ) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(path.dirname(file));
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
