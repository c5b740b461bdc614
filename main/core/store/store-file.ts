// The one layer every store file goes through (the history store, the settings file, the token file),
// in the CLI (conf) and in the app (electron-store) alike:
//  - one zod schema per kind of file reads its JSON (filling defaults); nothing else validates it;
//  - a file the schema refuses is copied aside (`<name>.corrupt-<time>.json`), reported as a
//    STORE_CORRUPT warning and reset to the defaults;
//  - every write is `writeFileAtomic` (temp + fsync + rename) under the file's lock, and a failed
//    write leaves the previous file as it was and throws DISK_FULL / FOLDER_NOT_WRITABLE naming the folder;
//  - a file that cannot be used at all (a folder in its place, a file where its folder belongs, no
//    permission to read it) throws FOLDER_NOT_WRITABLE naming the path and what to move, never a bare errno.
// conf/electron-store read the files (through the deserializer `openStoreFile` gives them) but never write them:
// their writer (`atomically`) can rename a cut file over the store on a full disk (see atomic-file.ts),
// and conf 16 has no way to give it another one (the write is a private method). `storeFileOver` wraps
// a conf/electron-store instance so reads go through it and writes through `writeStoreFile`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EmrecError, type ErrorInfo } from '../errors.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { withFileLock } from './file-lock.ts';
import { unusablePathError } from './unusable-path.ts';

/** What a kind of store file is: its zod schema (which fills defaults) and how it is named in messages. */
export interface StoreFileKind<T extends object> {
  /** Names the file for the user: "store file", "settings file". */
  readonly label: string;
  readonly schema: z.ZodType<T>;
  /** JSON indentation; undefined writes compact JSON (big machine files). */
  readonly indent?: number;
}

export function storeFileKind<T extends object>(label: string, schema: z.ZodType<T>, options: { indent?: number } = {}): StoreFileKind<T> {
  return { label, schema, ...(options.indent === undefined ? {} : { indent: options.indent }) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object of any content, checked in O(1): for the big maps (history) whose entries are
 * validated one by one by their owner, tolerantly.
 */
export const jsonObject = (): z.ZodType<Record<string, unknown>> =>
  z.custom<Record<string, unknown>>(isPlainObject, { error: 'expected an object' });

/** A fresh copy of a kind's defaults (the schema applied to `{}`). */
function defaultsOf<T extends object>(kind: StoreFileKind<T>): T {
  return kind.schema.parse({});
}

/** What a store file's text parses to: its data, or why it is not usable. */
export type ParsedFile<T> = { readonly data: T; readonly problem?: undefined } | { readonly data?: undefined; readonly problem: string };

/** Parses a store file's text with its kind's schema. The problem never quotes the file (it may hold tokens). */
export function parseStoreText<T extends object>(kind: StoreFileKind<T>, text: string): ParsedFile<T> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    return { problem: `not valid JSON${at === undefined ? '' : ` (at byte ${at})`}` };
  }
  if (!isPlainObject(data)) return { problem: 'not a JSON object' };
  const parsed = kind.schema.safeParse(data);
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `"${issue.path.map(String).join('.')}": ` : '';
  return { problem: `not in the expected shape (${where}${issue?.message ?? 'invalid'})` };
}

/** Copies a corrupt store file to `<name>.corrupt-<timestamp>.json` beside it; returns the backup path. */
export function backupCorruptFile(filePath: string, now = new Date()): string {
  const ext = path.extname(filePath);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let backup = `${filePath.slice(0, filePath.length - ext.length)}.corrupt-${stamp}${ext || '.json'}`;
  for (let n = 1; fs.existsSync(backup); n += 1) backup = backup.replace(/(\.corrupt-[^.]+?)(-\d+)?(\.[^.]+)$/, `$1-${n}$3`);
  fs.copyFileSync(filePath, backup, fs.constants.COPYFILE_EXCL);
  return backup;
}

/**
 * A store file that cannot be read: a wrong kind of thing at its path (unusablePathError), or EACCES/EPERM
 * as FOLDER_NOT_WRITABLE naming the file; others unchanged (a missing file is the caller's business).
 */
export function storeReadError(error: unknown, file: string, label: string): unknown {
  if (error instanceof EmrecError) return error;
  const unusable = unusablePathError(error, file, label);
  if (unusable) return unusable;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `Cannot read the ${label} ${file} (${code}): check that it is yours and that you may read and write the folder ${path.dirname(file)}`, {
      details: { file, dir: path.dirname(file), errno: code },
      cause: error,
    });
  }
  return error;
}

/**
 * ENOSPC/EDQUOT as DISK_FULL, EROFS/EACCES/EPERM as FOLDER_NOT_WRITABLE, both naming the folder; a wrong
 * kind of thing at the path as unusablePathError; others unchanged.
 */
export function storeWriteError(error: unknown, file: string, label: string): unknown {
  if (error instanceof EmrecError) return error;
  const unusable = unusablePathError(error, file, label);
  if (unusable) return unusable;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const dir = path.dirname(file);
  const what = `the ${label} ${path.basename(file)} was not saved (its previous version is kept)`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EmrecError('DISK_FULL', `The disk holding ${dir} is full: ${what}`, { details: { dir, file }, cause: error });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new EmrecError('FOLDER_NOT_WRITABLE', `The folder ${dir} is not writable (${code}): ${what}`, { details: { dir, file, errno: code }, cause: error });
  }
  return error;
}

function serializeStore<T extends object>(kind: StoreFileKind<T>, data: T): string {
  return JSON.stringify(data, null, kind.indent);
}

/**
 * Writes a whole store file atomically under its lock. The data is checked with the kind's schema
 * first (a store the reader would refuse is a bug, never written). Throws typed errors (storeWriteError).
 */
export function writeStoreFile<T extends object>(kind: StoreFileKind<T>, file: string, data: T): void {
  const checked = kind.schema.safeParse(data);
  if (!checked.success) throw new Error(`Refusing to write an invalid ${kind.label} ${file}: ${checked.error.message}`);
  const text = serializeStore(kind, checked.data);
  try {
    withFileLock(file, () => writeFileAtomic(file, text, { mode: 0o600 }));
  } catch (error) {
    throw storeWriteError(error, file, kind.label);
  }
}

/** The corrupt texts already backed up and reported, per file, whose reset could not be written. */
const reported = new Map<string, string>();
const digest = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/**
 * What to do with a file whose text is not usable: back it up, report STORE_CORRUPT, write the defaults
 * over it (when it still holds that text) and return them. Reported once per text while the reset cannot be
 * written (a read-only folder), so reads do not pile up backups.
 */
function recover<T extends object>(kind: StoreFileKind<T>, file: string, text: string, problem: string, onCorrupt: (w: ErrorInfo) => void): T {
  const defaults = defaultsOf(kind);
  const hash = digest(text);
  if (reported.get(file) !== hash) {
    let backup: string | undefined;
    try {
      backup = backupCorruptFile(file);
    } catch {
      // no backup possible (read-only folder, full disk): still go on with the defaults rather than crash
    }
    reported.set(file, hash);
    onCorrupt({
      code: 'STORE_CORRUPT',
      message: `The ${kind.label} ${path.basename(file)} was ${problem} and has been reset${backup ? `; the old file was kept as ${path.basename(backup)}` : ''}`,
      details: { file, ...(backup ? { backup } : {}) },
    });
  }
  try {
    withFileLock(file, () => {
      // another process may have written a good file since: reset only what is still the bad text
      if (digest(fs.readFileSync(file, 'utf8')) === hash) writeStoreFile(kind, file, defaults);
    });
    reported.delete(file);
  } catch {
    // the defaults stand in memory; the next successful write replaces the bad file
  }
  return defaultsOf(kind);
}

/**
 * A `deserialize` for conf/electron-store: the file's data through the schema, or (backed up, reported,
 * reset) the defaults. Never throws, so conf's own clearing (a write through `atomically`) never runs.
 */
function guardedDeserialize<T extends object>(kind: StoreFileKind<T>, file: string, onCorrupt: (w: ErrorInfo) => void): (text: string) => T {
  return (text) => {
    const parsed = parseStoreText(kind, text);
    return parsed.problem === undefined ? parsed.data : recover(kind, file, text, parsed.problem, onCorrupt);
  };
}

/**
 * Reads a store file directly (no conf): missing → defaults, corrupt → recovered as above; a file that
 * cannot be read throws storeReadError.
 */
export function readStoreFile<T extends object>(kind: StoreFileKind<T>, file: string, onCorrupt: (w: ErrorInfo) => void): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultsOf(kind);
    throw storeReadError(error, file, kind.label);
  }
  return guardedDeserialize(kind, file, onCorrupt)(text);
}

/** The options conf and electron-store get for a store file (the same in both; see openStoreFile). */
export interface StoreFileOptions {
  readonly clearInvalidConfig: false;
  readonly accessPropertiesByDotNotation: false;
  readonly deserialize: (text: string) => Record<string, unknown>;
  readonly serialize: (value: Record<string, unknown>) => string;
  readonly configFileMode: number;
}

/**
 * Builds a conf/electron-store instance for `file` with the store-file options (`construct` passes them
 * to the constructor) and wraps it (storeFileOver). conf's constructor reads the file only for its own
 * bookkeeping (a deep copy and a deep compare: 1.5 s for a 100,000-entry history): while it runs, the
 * deserializer answers an empty store, and the real first read (with the corruption check) follows here.
 * A file that cannot be read at all (a folder in its place, no permission) throws storeReadError.
 */
export function openStoreFile<T extends object, S extends { readonly path: string; readonly store: unknown }>(
  kind: StoreFileKind<T>,
  file: string,
  onCorrupt: (w: ErrorInfo) => void,
  construct: (options: StoreFileOptions) => S,
  options: { onWarning?: (warning: ErrorInfo) => void } = {},
): StoreFile<T> {
  const guarded = guardedDeserialize(kind, file, onCorrupt);
  let constructing = true;
  try {
    const instance = construct({
      // our deserialize never throws: conf never clears (writes) a file on its own
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
      deserialize: (text) => (constructing ? {} : (guarded(text) as unknown as Record<string, unknown>)),
      serialize: (value) => serializeStore(kind, value as T),
      configFileMode: 0o600,
    });
    constructing = false;
    const backend = storeFileOver(kind, instance, options);
    void backend.store; // the first read (and any reset) now
    return backend;
  } catch (error) {
    throw storeReadError(error, file, kind.label);
  }
}

/** A store file seen as a key-value store: reads through conf/electron-store, writes atomically. */
export interface StoreFile<T extends object> {
  readonly path: string;
  /** The whole store: one read, or one atomic write. */
  store: T;
  get<K extends keyof T>(key: K): T[K];
  /** Read-modify-write of one key under the file's lock, so keys another process wrote are kept. */
  set<K extends keyof T>(key: K, value: T[K]): void;
  delete(key: keyof T): void;
  /** Where problems that lose nothing are reported (set by whoever opened the file). */
  readonly onWarning?: (warning: ErrorInfo) => void;
}

/** A file's identity and version: changes with every write (a rename makes a new inode). */
export function fileStamp(file: string): string | undefined {
  const s = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return s === undefined ? undefined : `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/**
 * Wraps a conf/electron-store instance built with openStoreFile's options. Reads are cached while the file's
 * stamp is unchanged (a 100,000-entry history is 30 MB of JSON: parse it once, not on every read).
 * Values handed out are shared with the cache: replace them, never change them in place.
 */
function storeFileOver<T extends object>(
  kind: StoreFileKind<T>,
  source: { readonly path: string; readonly store: unknown },
  options: { onWarning?: (warning: ErrorInfo) => void } = {},
): StoreFile<T> {
  const file = source.path;
  let cache: { stamp: string; data: T } | undefined;
  const read = (): T => {
    const stamp = fileStamp(file);
    if (stamp !== undefined && cache?.stamp === stamp) return { ...cache.data };
    let raw: unknown;
    try {
      raw = source.store; // a missing file reads as {}: the schema fills the defaults
    } catch (error) {
      throw storeReadError(error, file, kind.label);
    }
    const parsed = kind.schema.safeParse(raw);
    const data = parsed.success ? parsed.data : defaultsOf(kind);
    cache = stamp === undefined ? undefined : { stamp, data };
    return { ...data };
  };
  const write = (data: T): void => {
    writeStoreFile(kind, file, data);
    const stamp = fileStamp(file);
    cache = stamp === undefined ? undefined : { stamp, data: { ...data } };
  };
  const update = (change: (data: T) => void): void => {
    try {
      withFileLock(file, () => {
        const data = read();
        change(data);
        write(data);
      });
    } catch (error) {
      throw storeWriteError(error, file, kind.label);
    }
  };
  const backend: StoreFile<T> = {
    path: file,
    get store(): T {
      return read();
    },
    set store(value: T) {
      write({ ...value });
    },
    get: (key) => read()[key],
    set: (key, value) => update((data) => void (data[key] = value)),
    delete: (key) => update((data) => void delete data[key]),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  };
  return backend;
}
