// One run per download folder, nested folders included. The lock in the folder itself (run-lock.ts,
// OUTPUT_LOCK_FILE) keeps two runs out of one folder; but one run filling D:\录制 and another filling
// D:\录制\2026-12-01 (other state folders, other naming) can write the very same files. So every
// download folder in use is also listed in a registry in the temp folder, and a run whose folder
// contains, or lies inside, the folder of a live earlier run refuses (or waits, with --wait).
// Registering and looking happen under a short lock of the registry itself, so of two runs that
// start together exactly one sees the other.
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { EmrecError } from './errors.ts';
import { acquire, ownerAlive, type AcquireOptions, type RunLock } from './run-lock.ts';

const EntrySchema = z.object({
  folder: z.string(),
  pid: z.number(),
  pidStart: z.string().optional(),
  host: z.string(),
  startedAt: z.string(),
  command: z.string(),
  token: z.string(),
});
type Entry = z.infer<typeof EntrySchema>;

/** Where live download folders are listed (one small file each). */
export function registryDir(): string {
  return path.join(tmpdir(), 'emrec-download-folders');
}

const real = (dir: string): string => {
  try {
    return fs.realpathSync.native(dir);
  } catch {
    return path.resolve(dir);
  }
};

/** `a` is `b`, or lies inside it, or contains it (compared case-insensitively where paths are). */
function overlaps(a: string, b: string): boolean {
  const norm = (p: string): string => (process.platform === 'linux' ? p : p.toLowerCase());
  const inside = (x: string, y: string): boolean => {
    const rel = path.relative(norm(y), norm(x));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  return inside(a, b) || inside(b, a);
}

function readEntries(dir: string): { file: string; entry: Entry }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: { file: string; entry: Entry }[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    try {
      const parsed = EntrySchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (parsed.success) out.push({ file, entry: parsed.data });
    } catch {
      // half-written or gone: not a live run's entry yet
    }
  }
  return out;
}

function nested(folder: string, other: Entry): EmrecError {
  return new EmrecError(
    'ALREADY_RUNNING',
    `Another run is filling the download folder ${other.folder}, which ${overlaps(other.folder, folder) && other.folder.length < folder.length ? 'contains' : 'lies inside'} ${folder}: ` +
      `pid ${other.pid}, "${other.command}", started ${other.startedAt}. Wait for it to finish or run with --wait to queue behind it.`,
    { details: { pid: other.pid, host: other.host, command: other.command, startedAt: other.startedAt, dir: folder, otherDir: other.folder } },
  );
}

/**
 * The lock of a download folder (run-lock.ts, kind 'output') and its entry in the registry of live
 * download folders; refuses with ALREADY_RUNNING (or waits, with `wait`) while an earlier live run fills
 * a folder that contains this one or lies inside it. Released together.
 */
export async function acquireOutputLock(
  dir: string,
  options: Omit<AcquireOptions, 'kind'> & { readonly registry?: string; readonly onUnprotected?: (error: unknown) => void } = {},
): Promise<RunLock> {
  const registry = options.registry ?? registryDir();
  const folder = real(dir);
  let announced = false;
  for (;;) {
    const lock = await acquire(dir, { ...options, kind: 'output' });
    const mine: Entry = { ...lock.info, folder };
    const file = path.join(registry, `${mine.token}.json`);
    let registered = false;
    let guard: RunLock | undefined;
    try {
      fs.mkdirSync(registry, { recursive: true });
      try {
        fs.chmodSync(registry, 0o1777); // shared by every user of the machine, like /tmp
      } catch {
        // another user's folder: writable for us or not, as they made it
      }
      guard = await acquire(registry, { wait: true, pollMs: 5, command: mine.command });
      fs.writeFileSync(file, JSON.stringify(mine), { mode: 0o644 });
      registered = true;
    } catch (error) {
      guard?.release();
      guard = undefined;
      // no shared temp folder: the in-folder lock still keeps out runs of this very folder
      options.onUnprotected?.(error);
    }
    const unregister = (): void => {
      if (registered) fs.rmSync(file, { force: true });
      registered = false;
    };
    let blocker: Entry | undefined;
    for (const { file: other, entry } of readEntries(registry)) {
      if (entry.token === mine.token) continue;
      if (!ownerAlive(entry)) {
        fs.rmSync(other, { force: true });
        continue;
      }
      if (overlaps(entry.folder, folder)) blocker = entry; // registered before us: under the guard, nobody registers at once
    }
    guard?.release();
    if (!blocker) {
      const release = lock.release;
      process.once('exit', unregister);
      return {
        get path() {
          return lock.path;
        },
        get info() {
          return lock.info;
        },
        get released() {
          return lock.released;
        },
        release: () => {
          unregister();
          process.off('exit', unregister);
          release();
        },
      };
    }
    unregister();
    lock.release();
    if (!options.wait) throw nested(folder, blocker);
    if (!announced) {
      announced = true;
      options.onWait?.({ pid: blocker.pid, host: blocker.host, startedAt: blocker.startedAt, command: blocker.command, token: blocker.token });
    }
    try {
      await sleep(options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      throw new EmrecError('CANCELLED', `Cancelled while waiting for the other run on ${blocker.folder} to finish`);
    }
  }
}
