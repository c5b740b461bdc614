// What has been downloaded, so a later run skips it. The entries live in the history store file's
// `history` key (conf for the CLI, electron-store for the app), and every change goes first to an
// append-only journal beside it (`<store>.history.jsonl`, one fsynced JSON line per add or remove), so
// finishing a file costs O(1) whatever the size of the history. The journal is folded into the store
// (one atomic write) when it has grown by a fixed fraction of the history (amortized O(1) per change) and
// at flush()/close(), then emptied. Opening replays it over the store; a torn last line (kill -9) or a
// garbled line is skipped. A fold that fails (full disk) leaves the journal, so nothing is lost.
// The journal's order is the history's order: reload() applies what other processes appended, in it.
// Appends and folds take the store file's lock (store/file-lock.ts), so a fold never empties a journal
// line it has not folded, and two processes never write the store from stale reads.
import path from 'node:path';
import { z } from 'zod';
import { EmrecError, toErrorInfo, type ErrorInfo } from '../errors.ts';
import type { CachedToken, TokenCache } from '../token.ts';
import { withFileLock } from './file-lock.ts';
import type { ConvertInfo, HistoryEntry } from './history-entry.ts';
import { Journal, type AppendResult, type SyncMode } from './journal.ts';
import { fileStamp, isPlainObject, jsonObject, storeFileKind, storeReadError, storeWriteError } from './store-file.ts';
import { FileTokenCache } from './token-cache.ts';

export type { CachedToken, ConvertInfo, HistoryEntry, TokenCache };

export const STORE_VERSION = 1;

/** The history store file. Entries are validated one by one (tolerantly) by History, not here. */
export interface StoreData {
  version: number;
  history: Record<string, unknown>;
  queue: unknown[];
}

/** Keys this version does not know (an older file's `tokens`, conf's `__internal__`) are kept as they are. */
export const StoreDataSchema = z
  .object({
    version: z.number().default(STORE_VERSION),
    history: jsonObject().default(() => ({})),
    queue: z.array(z.unknown()).default(() => []),
  })
  .loose();

/** The history store file kind for the store-file layer (compact JSON: it holds every finished file). */
export const HISTORY_STORE = storeFileKind<StoreData>('store file', StoreDataSchema);

export const STORE_DEFAULTS: Readonly<StoreData> = Object.freeze({ version: STORE_VERSION, history: {}, queue: [] });

/** What History needs from a store: what `openConfStore` (conf) and `openAppStores` (electron-store) give. */
export interface StoreBackend {
  /** The whole store: one file read (get) or one atomic write (set). */
  store: StoreData;
  get<K extends keyof StoreData>(key: K): StoreData[K];
  /** Read-modify-write of one key (other keys, written by other processes, are kept). */
  set<K extends keyof StoreData>(key: K, value: StoreData[K]): void;
  delete(key: keyof StoreData): void;
  readonly path: string;
  /** Where History reports problems that lose nothing, unless its options say otherwise. */
  readonly onWarning?: (warning: ErrorInfo) => void;
}

export const HistoryEntrySchema = z
  .object({
    id: z.number().int().nonnegative(),
    appkey: z.string(),
    confrId: z.string(),
    user: z.string(),
    recordType: z.string(),
    path: z.string().min(1),
    size: z.number().nonnegative(),
    sha256: z.string(),
    finishedAt: z.string(),
    recordedAt: z.string().optional(),
    convert: z
      .object({ path: z.string(), mode: z.enum(['remux', 'transcode', 'copy', 'none']), ffmpegVersion: z.string(), size: z.number().nonnegative().optional() })
      .optional(),
  })
  .loose();

/** One journal line. */
type JournalRecord =
  | { readonly op: 'add'; readonly entry: HistoryEntry }
  | { readonly op: 'remove'; readonly appkey: string; readonly id: number };

const JournalRecordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), entry: HistoryEntrySchema }),
  z.object({ op: z.literal('remove'), appkey: z.string(), id: z.number().int().nonnegative() }),
]);

export function historyKey(appkey: string, id: number): string {
  return `${appkey}|${id}`;
}

/** `<dir>/emrec-store.json` → `<dir>/emrec-store.history.jsonl`. */
export function journalPathFor(storePath: string): string {
  const ext = path.extname(storePath);
  return `${ext === '' ? storePath : storePath.slice(0, -ext.length)}.history.jsonl`;
}

/** How messages name the journal. */
const JOURNAL_LABEL = 'history journal';

/** Fold when the journal has at least this many lines... */
export const FOLD_MIN_LINES = 2000;
/** ...and at least this fraction of the history: each fold is O(n), so n/4 changes pay for one (O(1) each). */
export const FOLD_RATIO = 0.25;

/** The batch window the CLI and the app use (see HistoryOptions.batchMs). */
export const HISTORY_BATCH_MS = 50;

export interface HistoryOptions {
  /** The journal file (default: beside the store file, see journalPathFor); `false`: none, every change rewrites the store. */
  readonly journal?: string | false;
  /** When journal lines reach the disk (default 'batched': written at once, fsynced within 200 ms and at flush). */
  readonly sync?: SyncMode;
  /**
   * Take the store file's lock for each journal line (default true: ~20 µs on tmpfs, ~0.1 ms beside an
   * ext4 fsync), so another process's fold can never empty a line it did not fold. `false` only when the
   * caller holds the state folder's run lock for this History's whole life (no other writer can exist).
   */
  readonly lockAppends?: boolean;
  /**
   * Gather changes for this long and write them as one journal append (default 0: each at once). A batch
   * takes the lock once instead of per file (10,000 tiny files: ~5 s less); a process killed inside the
   * window loses those lines, and the next run finds the files in the folder again (the folder is the truth).
   */
  readonly batchMs?: number;
  readonly foldMinLines?: number;
  readonly foldRatio?: number;
  /** Problems that lose nothing (a fold that failed: the journal keeps the entries). Default: the backend's. */
  readonly onWarning?: (warning: ErrorInfo) => void;
}

function apply(entries: Map<string, HistoryEntry>, record: JournalRecord): void {
  if (record.op === 'add') entries.set(historyKey(record.entry.appkey, record.entry.id), record.entry);
  else entries.delete(historyKey(record.appkey, record.id));
}

export class History {
  readonly #backend: StoreBackend;
  readonly #journal: Journal | undefined;
  readonly #lockAppends: boolean;
  readonly #batchMs: number;
  #batchTimer: NodeJS.Timeout | undefined;
  readonly #foldMinLines: number;
  readonly #foldRatio: number;
  readonly #onWarning: (warning: ErrorInfo) => void;
  /** Store + journal (+ pending), once loaded. */
  #entries: Map<string, HistoryEntry> | undefined;
  /** The store file's stamp when its history was last read or written by us. */
  #storeStamp: string | undefined;
  #journalIno: number | undefined;
  /** Journal bytes applied to #entries. */
  #consumed = 0;
  /** The journal's size when last read (a torn tail included). */
  #seenSize = 0;
  /** Journal lines since the last fold (what the next fold takes in). */
  #journalLines = 0;
  #foldAt = 0;
  /** Changes the journal could not take (full disk): retried with the next change, and saved by the next fold. */
  #pending: JournalRecord[] = [];
  #tokens: TokenCache | undefined;

  constructor(backend: StoreBackend, options: HistoryOptions = {}) {
    this.#backend = backend;
    const journal = options.journal ?? journalPathFor(backend.path);
    this.#journal = journal === false ? undefined : new Journal(journal, { sync: options.sync ?? 'batched' });
    this.#lockAppends = options.lockAppends ?? true;
    this.#batchMs = options.batchMs ?? 0;
    this.#foldMinLines = options.foldMinLines ?? FOLD_MIN_LINES;
    this.#foldRatio = options.foldRatio ?? FOLD_RATIO;
    this.#onWarning = options.onWarning ?? backend.onWarning ?? (() => {});
  }

  /** The store file, for messages. */
  get path(): string {
    return this.#backend.path;
  }

  /** The journal file, or undefined without one. */
  get journalPath(): string | undefined {
    return this.#journal?.file;
  }

  /** Makes what other processes wrote visible: their journal lines, or their fold. Cheap when nothing changed. */
  reload(): void {
    this.#refresh();
  }

  has(appkey: string, id: number): boolean {
    return this.#load().has(historyKey(appkey, id));
  }

  get(appkey: string, id: number): HistoryEntry | undefined {
    return this.#load().get(historyKey(appkey, id));
  }

  all(): HistoryEntry[] {
    return [...this.#load().values()];
  }

  /**
   * Adds or replaces an entry: one fsynced journal line. Throws DISK_FULL / FOLDER_NOT_WRITABLE (naming the
   * state folder) when the line cannot be written; the entry is then still held here, written with the
   * next change that can be, or by the next fold.
   */
  add(entry: HistoryEntry): void {
    const parsed = HistoryEntrySchema.safeParse(entry);
    if (!parsed.success) throw new Error(`Not a history entry: ${parsed.error.message}`);
    this.#commit({ op: 'add', entry: parsed.data as HistoryEntry });
  }

  remove(appkey: string, id: number): boolean {
    const key = historyKey(appkey, id);
    if (!this.#load().has(key) && !this.#refresh().has(key)) return false;
    this.#commit({ op: 'remove', appkey, id });
    return true;
  }

  /**
   * Folds the journal into the store file now (one atomic write) and empties it. Throws the typed write
   * error on failure; the journal is then left as it was.
   */
  fold(): void {
    const journal = this.#journal;
    this.#load();
    if (journal === undefined) return;
    const file = this.#backend.path;
    try {
      withFileLock(file, () => {
        const entries = this.#refresh();
        this.#backend.set('history', Object.fromEntries(entries));
        this.#storeStamp = fileStamp(file);
        this.#pending = [];
        if (journal.truncateIf(this.#seenSize)) {
          this.#consumed = 0;
          this.#seenSize = 0;
        }
        this.#journalLines = 0;
        this.#foldAt = this.#threshold();
      });
    } catch (error) {
      throw storeWriteError(error, file, HISTORY_STORE.label);
    }
  }

  /**
   * Folds the journal (O(n): at idle and exit, not per file). A fold that
   * fails is reported (onWarning), not thrown: the journal holds everything. Throws only when some change
   * is neither in the journal nor in the store.
   */
  flush(): void {
    const journal = this.#journal;
    if (journal === undefined || this.#entries === undefined) return;
    if (this.#pending.length > 0) {
      try {
        this.#writePending();
      } catch {
        // the fold below may still save them
      }
    }
    if (this.#pending.length === 0 && !(this.#journal?.stat()?.size ?? 0)) return;
    try {
      this.fold();
    } catch (error) {
      if (this.#pending.length > 0) throw error;
      this.#warnFold(error);
    }
  }

  /** flush(), then closes the journal (a later change opens it again). */
  close(): void {
    try {
      this.flush();
    } finally {
      this.#journal?.close();
    }
  }

  /** Token cache in its own small file beside the store (see store/token-cache.ts). */
  tokenCache(): TokenCache {
    this.#tokens ??= FileTokenCache.beside(this.#backend.path, { onWarning: this.#onWarning });
    return this.#tokens;
  }

  // ---- internals ----

  #load(): Map<string, HistoryEntry> {
    return this.#entries ?? this.#loadAll();
  }

  /** Reads the store's history and replays the whole journal over it. */
  #loadAll(): Map<string, HistoryEntry> {
    const stamp = fileStamp(this.#backend.path); // before the read: a write in between reads as a change next time
    const version = this.#backend.get('version');
    if (version > STORE_VERSION) {
      // a newer app's file: its entries may not read as ours, and folding would write them away
      throw new EmrecError('STORE_TOO_NEW', `${this.#backend.path} was written by a newer version of this app (format ${version}; this version reads ${STORE_VERSION}): update it, or use another --state-dir. Nothing was changed.`, {
        details: { path: this.#backend.path, version },
      });
    }
    const raw = this.#backend.get('history');
    const entries = new Map<string, HistoryEntry>();
    for (const value of Object.values(isPlainObject(raw) ? raw : {})) {
      const parsed = HistoryEntrySchema.safeParse(value);
      if (parsed.success) entries.set(historyKey(parsed.data.appkey, parsed.data.id), parsed.data as HistoryEntry);
    }
    this.#entries = entries;
    this.#storeStamp = stamp;
    this.#journalIno = undefined;
    this.#consumed = 0;
    this.#seenSize = 0;
    this.#journalLines = 0;
    try {
      this.#replay();
    } catch (error) {
      this.#entries = undefined; // not loaded: nothing may be folded from half a history
      throw storeReadError(error, this.#journal?.file ?? this.#backend.path, JOURNAL_LABEL);
    }
    for (const record of this.#pending) apply(entries, record);
    this.#foldAt = this.#threshold();
    return entries;
  }

  /** Applies the journal from where this process stopped reading. */
  #replay(): void {
    const entries = this.#entries;
    if (this.#journal === undefined || entries === undefined) return;
    const chunk = this.#journal.read(this.#consumed);
    for (const value of chunk.values) {
      const parsed = JournalRecordSchema.safeParse(value);
      if (parsed.success) apply(entries, parsed.data as JournalRecord);
    }
    this.#journalLines += chunk.values.length + chunk.garbled;
    this.#consumed = chunk.end;
    this.#seenSize = chunk.size;
    this.#journalIno = chunk.ino;
  }

  /** Brings the entries up to date with the files: a new store (another fold) → full reload; journal growth → replay. */
  #refresh(): Map<string, HistoryEntry> {
    const entries = this.#entries;
    if (entries === undefined || fileStamp(this.#backend.path) !== this.#storeStamp) return this.#loadAll();
    if (this.#journal !== undefined) {
      const now = this.#journal.stat();
      if (now === undefined) {
        if (this.#journalIno !== undefined) return this.#loadAll(); // the journal was removed
      } else if ((this.#journalIno !== undefined && now.ino !== this.#journalIno) || now.size < this.#consumed) {
        return this.#loadAll(); // replaced or emptied by another process's fold
      } else if (now.size !== this.#seenSize) {
        this.#replay();
      }
    }
    return entries;
  }

  #commit(record: JournalRecord): void {
    const entries = this.#load();
    apply(entries, record);
    if (this.#journal === undefined) {
      this.#backend.set('history', Object.fromEntries(entries));
      this.#storeStamp = fileStamp(this.#backend.path);
      return;
    }
    this.#pending.push(record);
    if (this.#batchMs > 0) {
      this.#batchTimer ??= setTimeout(() => this.#writeBatch(), this.#batchMs);
      this.#batchTimer.unref();
      return;
    }
    this.#writePending();
    this.#maybeFold();
  }

  /** The batch timer: one append for what gathered; a failure is reported and kept for the next write. */
  #writeBatch(): void {
    this.#batchTimer = undefined;
    try {
      this.#writePending();
      this.#maybeFold();
    } catch (error) {
      this.#onWarning(toErrorInfo(error));
    }
  }

  #writePending(): void {
    if (this.#batchTimer !== undefined) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    const journal = this.#journal;
    if (journal === undefined || this.#pending.length === 0) return;
    const records = this.#pending;
    let written: AppendResult;
    try {
      // under the store's lock, as the fold's truncation is: a line is never cut away unfolded
      written = this.#lockAppends ? withFileLock(this.#backend.path, () => journal.append(records, { exclusive: true })) : journal.append(records);
    } catch (error) {
      throw storeWriteError(error, journal.file, JOURNAL_LABEL);
    }
    this.#pending = [];
    this.#journalLines += records.length;
    // Nothing else was appended before or in between: what we wrote is applied already, so skip it when reading.
    const alone = written.before === this.#consumed && written.before === this.#seenSize && written.after === written.before + written.length;
    if (alone && (this.#journalIno === undefined || this.#journalIno === written.ino)) {
      this.#consumed = written.after;
      this.#seenSize = written.after;
      this.#journalIno = written.ino;
    }
  }

  #threshold(): number {
    return Math.max(this.#foldMinLines, Math.ceil((this.#entries?.size ?? 0) * this.#foldRatio));
  }

  #maybeFold(): void {
    if (this.#journalLines < this.#foldAt) return;
    try {
      this.fold();
    } catch (error) {
      this.#warnFold(error);
      this.#foldAt = this.#journalLines + this.#foldMinLines; // try again later, not on every change
    }
  }

  #warnFold(error: unknown): void {
    const info = toErrorInfo(error);
    const journal = this.#journal ? path.basename(this.#journal.file) : 'the journal';
    this.#onWarning({ ...info, message: `${info.message}; the history is kept in ${journal} until it can be saved` });
  }
}
