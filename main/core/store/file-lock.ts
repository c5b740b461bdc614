// A short-held lock file around a store file's read-modify-write and the history fold, so two
// processes on one state folder (the app and a cron `emrec sync`) never write a store from a stale read.
// `<file>.lock` is created with O_EXCL and holds the owner's pid; a lock whose owner is gone, or that is
// older than STALE_MS, is taken over. Re-entrant within a process. Held for milliseconds (one write).
import fs from 'node:fs';
import path from 'node:path';
import { sleepSync } from './atomic-file.ts';
import { unusablePathError } from './unusable-path.ts';

/** A lock this old is a leftover (no write takes this long), whoever holds it. */
const STALE_MS = 30_000;
/** Wait at most this long for another process's lock before taking it over. */
const WAIT_MS = 10_000;

const held = new Map<string, number>();

export function lockPathOf(file: string): string {
  return `${file}.lock`;
}

/**
 * Runs `fn` holding `<file>.lock`. Errors creating the lock (EROFS, EACCES...) are thrown as they are; a
 * folder at the lock's name is FOLDER_NOT_WRITABLE naming it (waiting would never end it).
 */
export function withFileLock<T>(file: string, fn: () => T): T {
  const lock = lockPathOf(file);
  const depth = held.get(lock) ?? 0;
  if (depth === 0) acquire(lock);
  held.set(lock, depth + 1);
  try {
    return fn();
  } finally {
    if (depth === 0) {
      held.delete(lock);
      release(lock);
    } else {
      held.set(lock, depth);
    }
  }
}

function acquire(lock: string): void {
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    let fd: number;
    try {
      fd = fs.openSync(lock, 'wx', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !fs.existsSync(path.dirname(lock))) {
        fs.mkdirSync(path.dirname(lock), { recursive: true }); // a state folder not made yet (conf made it too)
        continue;
      }
      if (code !== 'EEXIST') throw error;
      // a folder at the lock's name is no lock anyone holds, and no wait or takeover removes it
      if (fs.lstatSync(lock, { throwIfNoEntry: false })?.isDirectory()) throw unusablePathError({ code: 'EISDIR' }, lock, 'lock file');
      if (isStale(lock) || Date.now() > deadline) {
        release(lock);
        continue;
      }
      sleepSync(wait);
      continue;
    }
    try {
      fs.writeSync(fd, `${process.pid}\n`);
    } catch {
      // a full disk: the lock still holds (it exists); only its owner is not written
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
}

function release(lock: string): void {
  try {
    fs.unlinkSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function isStale(lock: string): boolean {
  let text: string;
  let age: number;
  try {
    text = fs.readFileSync(lock, 'utf8');
    age = Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return false; // gone already (the next open will tell) or unreadable: wait
  }
  if (age > STALE_MS) return true;
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return false; // being written, or written on a full disk: age decides
  if (pid === process.pid) return true; // ours, yet not held: left by an exception path
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
