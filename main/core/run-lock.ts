// One run per state folder at a time: a lock file in the folder names its owner (pid, host, start
// time, command). A second run refuses at once (ALREADY_RUNNING, naming the first) or waits for it.
// A lock whose owner is gone (ended without releasing, kill -9, a reused pid) is taken over safely:
//
// * The lock file is created atomically and complete: its text is written to a private file which is
//   then hard-linked to the lock's name (link fails if the name exists). Where the file system has no
//   hard links, `open(…, 'wx')` is used instead, and a lock file still empty or half-written after
//   PARTIAL_GRACE_MS counts as left by a process killed while writing it.
// * Only the holder of a claim on one particular stale lock may delete it. The claim is a file named
//   after that lock's token, made the same atomic way, so of any number of racers exactly one gets it;
//   while a stale lock sits at the lock's name nobody can create a new one, so the claimant deletes
//   exactly the stale lock it judged, never a fresh one. Then every racer tries the atomic create again
//   and exactly one wins. A claimant killed mid-takeover leaves a claim whose own owner is dead; the
//   next racer claims that claim (a file named after both tokens), and so on.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmrecError } from './errors.ts';

/** The lock file's name in the state folder. */
export const LOCK_FILE = 'emrec.lock';

/** The lock file's name in a download folder: two runs with different state folders never fill one folder at once. */
export const OUTPUT_LOCK_FILE = '.emrec-downloading.lock';

/** How long an empty or unreadable lock or claim file counts as being written, before it counts as abandoned. */
export const PARTIAL_GRACE_MS = 2_000;

/** Default time between two looks at a held lock while waiting. */
const DEFAULT_POLL_MS = 500;

/** What the lock file holds. */
export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601, when the lock was taken. */
  readonly startedAt: string;
  /** The command line of the run, secrets redacted. */
  readonly command: string;
  /** Unique per acquisition: tells this lock from any other with the same pid. */
  readonly token: string;
  /** The process's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), to catch a reused pid. */
  readonly pidStart?: string;
}

export interface RunLock {
  /** The lock file. */
  readonly path: string;
  readonly info: LockInfo;
  readonly released: boolean;
  /** Removes the lock file if it is still this lock's; safe to call more than once. Also done on process exit. */
  release(): void;
}

export interface AcquireOptions {
  /** Wait for a live holder to finish instead of refusing at once. */
  readonly wait?: boolean;
  /** Cancels a wait (CANCELLED). */
  readonly signal?: AbortSignal;
  /** Time between looks while waiting; default 500 ms. */
  readonly pollMs?: number;
  /** Recorded in the lock file and shown to other runs; default: this process's command line, secrets redacted. */
  readonly command?: string;
  /** Called once, when a wait begins, with the holder waited for. */
  readonly onWait?: (holder: LockInfo) => void;
  /**
   * Called (and awaited) when the lock found is stale, before taking it over: to say so to the user
   * (`holder` is undefined for a lock file left half-written). Tests use it to widen the race window.
   */
  readonly onStale?: (holder: LockInfo | undefined) => void | Promise<void>;
  /** Which folder this lock guards: the state folder (default, `emrec.lock`) or a download folder (`OUTPUT_LOCK_FILE`). */
  readonly kind?: 'state' | 'output';
}

// Tokens of the locks this process holds: a lock naming our pid with another token is stale (a reused pid).
const heldTokens = new Set<string>();

const SECRET_FLAGS = new Set(['--client-secret', '--token']);

/** A command line fit to show to other users of the folder: `emrec <args>`, the values of secret flags redacted. */
export function describeCommand(argv: readonly string[] = process.argv): string {
  const args = argv.slice(2);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (SECRET_FLAGS.has(arg)) {
      out.push(arg);
      if (i + 1 < args.length) {
        out.push('***');
        i++;
      }
    } else {
      out.push(/[\s"'\\]/.test(arg) || arg === '' ? JSON.stringify(arg) : arg);
    }
  }
  return ['emrec', ...out].join(' ');
}

/** Linux: field 22 of /proc/<pid>/stat (start time in ticks since boot); undefined elsewhere or when gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

// Hard links are missing on some file systems (FAT, some network shares): then `open(…, 'wx')`.
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Creates `target` holding `text` only if it does not exist; true when this call created it. */
function createExclusive(target: string, text: string): boolean {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(tmp); // a full disk: leave no private file behind
    throw error;
  }
  closeSync(fd);
  try {
    linkSync(tmp, target);
    return true;
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    // Over NFS a link can report an error and still have been made: two names for the private file.
    try {
      if (statSync(tmp).nlink === 2) return true;
    } catch {
      // fall through
    }
    if (!NO_LINKS.has(errno(error) ?? '')) throw error;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  let direct: number;
  try {
    direct = openSync(target, 'wx');
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(direct, text);
    fsyncSync(direct);
  } finally {
    closeSync(direct);
  }
  return true;
}

interface Entry {
  /** Parsed when the file holds a complete lock. */
  readonly info?: LockInfo;
  /** The lock's token, or for an unreadable file an identity of that very file. */
  readonly id: string;
  readonly mtimeMs: number;
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo> | null;
    if (
      value &&
      typeof value.pid === 'number' &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.token === 'string' &&
      /^[0-9a-f]{8,64}$/.test(value.token) &&
      typeof value.host === 'string'
    ) {
      return {
        pid: value.pid,
        host: value.host,
        token: value.token,
        startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
        command: typeof value.command === 'string' ? value.command : '',
        ...(typeof value.pidStart === 'string' ? { pidStart: value.pidStart } : {}),
      };
    }
  } catch {
    // half-written or not ours
  }
  return undefined;
}

/** The lock or claim file at `file`, or undefined when there is none. */
function readEntry(file: string): Entry | undefined {
  let text: string;
  let stat: { ino: number; size: number; mtimeMs: number };
  try {
    stat = statSync(file);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
  const info = parseInfo(text);
  return info ? { info, id: info.token, mtimeMs: stat.mtimeMs } : { id: `raw${stat.ino}x${stat.size}x${Math.floor(stat.mtimeMs)}`, mtimeMs: stat.mtimeMs };
}

type Holder = 'live' | 'stale' | 'writing';

function holderState(entry: Entry): Holder {
  const info = entry.info;
  if (info === undefined) return Date.now() - entry.mtimeMs > PARTIAL_GRACE_MS ? 'stale' : 'writing';
  return ownerAlive(info) ? 'live' : 'stale';
}

/** Whether the process a lock's info names still runs (another machine's: assumed so, nothing to check it against). */
export function ownerAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true;
  if (info.pid === process.pid) return heldTokens.has(info.token);
  if (!pidAlive(info.pid)) return false;
  if (info.pidStart !== undefined) {
    const now = processStart(info.pid);
    if (now !== undefined && now !== info.pidStart) return false; // the pid belongs to another process now
  }
  return true;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

type Takeover = { readonly state: 'removed' } | { readonly state: 'busy'; readonly claimant?: LockInfo };

/**
 * Removes the stale lock `staleId` if this process wins the claim on it: 'removed' when the lock at
 * `lockPath` is no longer that one, 'busy' while another live process holds the claim.
 */
function breakStale(lockPath: string, staleId: string, claimText: string): Takeover {
  let claimPath = `${lockPath}.break-${staleId}`;
  // Each level is a claimant killed in the few instructions of a takeover: a handful is already absurd.
  for (let depth = 0; depth < 6; depth++) {
    if (createExclusive(claimPath, claimText)) {
      // Ours: nobody else may remove lock `staleId`, and nobody can create a lock while it is there.
      const current = readEntry(lockPath);
      if (current?.id === staleId) unlinkQuietly(lockPath);
      removeClaims(lockPath, staleId);
      return { state: 'removed' };
    }
    const claim = readEntry(claimPath);
    if (claim === undefined) continue; // its owner finished and cleaned up: try this level again
    if (holderState(claim) !== 'stale') return claim.info ? { state: 'busy', claimant: claim.info } : { state: 'busy' };
    claimPath = `${claimPath}.${claim.id}`; // the claimant died: claim its claim
  }
  throw new Error(`too many abandoned takeovers of ${lockPath}; delete ${lockPath}* by hand`);
}

/** Deletes the claim files on lock `staleId` (all of its chain). */
function removeClaims(lockPath: string, staleId: string): void {
  const dir = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.break-${staleId}`;
  for (const name of safeList(dir)) if (name.startsWith(prefix) && !name.includes('.tmp-')) unlinkQuietly(path.join(dir, name));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** With the lock held: deletes claims on other (gone) locks and private files of dead processes. */
function sweep(lockPath: string, token: string): void {
  const dir = path.dirname(lockPath);
  const base = path.basename(lockPath);
  for (const name of safeList(dir)) {
    if (!name.startsWith(`${base}.`)) continue;
    const tmp = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (tmp) {
      const pid = Number(tmp[1]);
      if (pid !== process.pid && !pidAlive(pid)) unlinkQuietly(path.join(dir, name));
    } else if (name.startsWith(`${base}.break-`) && !name.startsWith(`${base}.break-${token}`)) {
      unlinkQuietly(path.join(dir, name));
    }
  }
}

function ago(startedAt: string): string {
  const ms = Date.now() - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  return s < 120 ? ` (${s} s ago)` : s < 7200 ? ` (${Math.round(s / 60)} min ago)` : ` (${Math.round(s / 3600)} h ago)`;
}

/** "the state folder X" or "the download folder X", for messages. */
const folderName = (kind: 'state' | 'output', dir: string): string => `the ${kind === 'output' ? 'download' : 'state'} folder ${dir}`;

function alreadyRunning(dir: string, lockPath: string, holder: LockInfo, kind: 'state' | 'output'): EmrecError {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  return new EmrecError(
    'ALREADY_RUNNING',
    `Another run is using ${folderName(kind, dir)}: pid ${holder.pid}${where}, "${holder.command}", started ${holder.startedAt}${ago(holder.startedAt)}. ` +
      `Wait for it to finish or run with --wait to queue behind it (lock file ${lockPath}).`,
    {
      details: {
        pid: holder.pid,
        host: holder.host,
        command: holder.command,
        startedAt: holder.startedAt,
        dir,
        lockPath,
      },
    },
  );
}

/** A file-system failure in the state folder as the error a user can act on. */
function folderError(error: unknown, folder: string, kind: 'state' | 'output', lockPath: string): unknown {
  const code = errno(error);
  const other = kind === 'output' ? 'choose another --out' : 'choose another --state-dir';
  if (code === 'EISDIR') {
    // a folder at the lock's name: no run holds it, and no wait or takeover removes it
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot use the lock file ${lockPath}: a folder is in its place (${code}): move or rename it, or ${other}`, {
      details: { folder, file: lockPath, syscallCode: code, unusable: 'folder-in-place' },
      cause: error,
    });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot use ${folderName(kind, folder)}: it, or a folder on its path, is a file, not a folder (${code}): move or rename that file, or ${other}`, {
      details: { folder, syscallCode: code, unusable: 'file-in-path' },
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const fix = kind === 'output' ? 'choose a writable --out' : 'choose a writable --state-dir';
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot create the lock file in ${folderName(kind, folder)} (${code}): ${fix}`, {
      details: { folder, syscallCode: code },
      cause: error,
    });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EmrecError('DISK_FULL', `No space left for the lock file in ${folderName(kind, folder)} (${code})`, { details: { folder }, cause: error });
  }
  return error;
}

async function pause(ms: number, signal: AbortSignal | undefined, dir: string, kind: 'state' | 'output'): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    throw new EmrecError('CANCELLED', `Cancelled while waiting for the other run on ${folderName(kind, dir)} to finish`);
  }
}

/**
 * Takes the state folder's lock (creating the folder if needed). Held by a live process: refuses with
 * ALREADY_RUNNING (details: pid, host, command, startedAt), or with `wait` looks again every `pollMs`
 * until it is free. Stale locks are taken over (see the top of this file).
 */
export async function acquire(dir: string, options: AcquireOptions = {}): Promise<RunLock> {
  const folder = path.resolve(dir);
  const kind = options.kind ?? 'state';
  const lockPath = path.join(folder, kind === 'output' ? OUTPUT_LOCK_FILE : LOCK_FILE);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw folderError(error, folder, kind, lockPath);
  }
  const pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  const pidStart = processStart(process.pid);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? describeCommand(),
    token: randomBytes(12).toString('hex'),
    ...(pidStart === undefined ? {} : { pidStart }),
  };
  const text = `${JSON.stringify(info)}\n`;
  let waitAnnounced = false;
  let busySince: number | undefined;

  for (;;) {
    if (options.signal?.aborted) throw new EmrecError('CANCELLED', `Cancelled before taking the lock of ${folderName(kind, folder)}`);
    heldTokens.add(info.token); // before the file exists, so our own check never calls it stale
    let created = false;
    try {
      created = createExclusive(lockPath, text);
    } catch (error) {
      throw folderError(error, folder, kind, lockPath);
    } finally {
      if (!created) heldTokens.delete(info.token);
    }
    if (created) return held(lockPath, info);

    let current: Entry | undefined;
    try {
      current = readEntry(lockPath);
    } catch (error) {
      throw folderError(error, folder, kind, lockPath);
    }
    if (current === undefined) continue; // released meanwhile
    const state = holderState(current);
    if (state === 'stale') {
      await options.onStale?.(current.info);
      let takeover: Takeover;
      try {
        takeover = breakStale(lockPath, current.id, text);
      } catch (error) {
        throw folderError(error, folder, kind, lockPath);
      }
      if (takeover.state === 'busy') {
        // Another process is taking the stale lock over right now; it will hold the lock in a moment.
        busySince ??= Date.now();
        if (!options.wait && takeover.claimant && Date.now() - busySince > 5_000) throw alreadyRunning(folder, lockPath, takeover.claimant, kind);
        await pause(5 + Math.floor(Math.random() * 10), options.signal, folder, kind);
      }
      continue;
    }
    busySince = undefined;
    if (state === 'writing' || current.info === undefined) {
      await pause(Math.min(pollMs, 50), options.signal, folder, kind);
      continue;
    }
    if (!options.wait) throw alreadyRunning(folder, lockPath, current.info, kind);
    if (!waitAnnounced) {
      waitAnnounced = true;
      options.onWait?.(current.info);
    }
    await pause(pollMs, options.signal, folder, kind);
  }
}

function held(lockPath: string, info: LockInfo): RunLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readEntry(lockPath)?.id === info.token) unlinkSync(lockPath);
    } catch {
      // gone already, or the folder with it
    } finally {
      heldTokens.delete(info.token);
    }
  };
  process.on('exit', release);
  sweep(lockPath, info.token);
  return {
    path: lockPath,
    info,
    get released() {
      return released;
    },
    release,
  };
}
