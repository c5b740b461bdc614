// Shared by the store tests: entries, a backend that counts store writes, and a real small tmpfs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { HistoryEntry, StoreBackend } from '../../../main/core/history.ts';

export const entry = (id: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id,
  appkey: 'o#a',
  confrId: 'C1',
  user: 'alice',
  recordType: 'ONLY_REC_ONE_AV',
  path: `/out/2024-05-01/C1/10-00-00_alice_ONLY_REC_ONE_AV_${id}.webm`,
  size: 123_456,
  sha256: 'ab'.repeat(32),
  finishedAt: '2024-05-01T00:00:00.000Z',
  ...over,
});

/** A backend that counts the store-file writes made through it. */
export function counted(store: StoreBackend): { backend: StoreBackend; writes: () => number } {
  let n = 0;
  const backend: StoreBackend = {
    get path() {
      return store.path;
    },
    get store() {
      return store.store;
    },
    set store(value) {
      n += 1;
      store.store = value;
    },
    get(key) {
      return store.get(key);
    },
    set(key, value) {
      n += 1;
      store.set(key, value);
    },
    delete(key) {
      n += 1;
      store.delete(key);
    },
  };
  return { backend, writes: () => n };
}

/** Mounts a tmpfs of `size` (e.g. '1m') on `dir`; the reason when this system does not allow it (not root, no mount). */
export function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    return `mounting a tmpfs is not permitted here (${stderr || (error as Error).message}); run as root to test a full disk`;
  }
}

export function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/**
 * Fills the file system holding `dir` with `<dir>/filler`, then frees `leave` bytes of it (tmpfs counts
 * in 4 KiB pages). Returns the filler's path: remove it to free the disk.
 */
export function fillDisk(dir: string, leave: number): string {
  const filler = `${dir}/filler`;
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [65_536, 4096]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          const n = fs.writeSync(fd, chunk);
          if (n < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (leave > 0) fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - leave));
  return filler;
}

/** Milliseconds taken by `fn`. */
export function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
