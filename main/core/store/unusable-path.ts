// The one error for a state file that cannot be used whatever is retried, because something of the
// wrong kind sits at its path. Its own module: store-file.ts and file-lock.ts both need it.
import path from 'node:path';
import { EmrecError } from '../errors.ts';

/**
 * A state file that cannot be used whatever is retried, because something of the wrong kind is at its path:
 * a folder where the file belongs (EISDIR), or a file where one of its folders belongs (ENOTDIR, EEXIST
 * from a mkdir). FOLDER_NOT_WRITABLE naming the path and what to move; undefined for any other error.
 * `details.unusable` says which ('folder-in-place' or 'file-in-path'), for the translated line.
 */
export function unusablePathError(error: unknown, file: string, label: string): EmrecError | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const fix = 'move or rename it, or choose another state folder (--state-dir)';
  if (code === 'EISDIR') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot use the ${label} ${file}: a folder is in its place (EISDIR): ${fix}`, {
      details: { file, dir: path.dirname(file), errno: code, unusable: 'folder-in-place' },
      cause: error,
    });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const dir = path.dirname(file);
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot use the ${label} ${file}: ${dir}, or a folder on its path, is a file, not a folder (${code}): ${fix}`, {
      details: { file, dir, errno: code, unusable: 'file-in-path' },
      cause: error,
    });
  }
  return undefined;
}
