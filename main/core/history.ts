// What has been downloaded (so a second run skips it), the cached API tokens and the unfinished queue,
// kept in one store file. The store is `conf` (CLI) or electron-store (app), seen through StoreBackend.
import { z } from 'zod';
import { RecordingSchema, type Recording } from './record.ts';
import type { CachedToken, TokenCache } from './token.ts';

export type { CachedToken, TokenCache };

export const STORE_VERSION = 1;

export interface ConvertInfo {
  readonly path: string;
  readonly mode: 'remux' | 'transcode' | 'copy' | 'none';
  readonly ffmpegVersion: string;
}

export interface HistoryEntry {
  readonly id: number;
  readonly appkey: string;
  readonly confrId: string;
  readonly user: string;
  readonly recordType: string;
  /** Absolute path of the downloaded file. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** ISO 8601. */
  readonly finishedAt: string;
  readonly convert?: ConvertInfo;
}

/** An unfinished download, saved so a restarted process can go on. */
export interface QueueEntry {
  readonly id: number;
  readonly appkey: string;
  readonly outDir: string;
  /** Relative to outDir, with `/`. */
  readonly path: string;
  readonly state: 'waiting' | 'paused' | 'failed' | 'converting';
  readonly record: Recording;
  /** Set once the file is complete on disk (converting, or a failed conversion): a restart converts, not downloads. */
  readonly downloaded?: { readonly size: number; readonly sha256: string };
}

export interface StoreData {
  version: number;
  tokens: Record<string, CachedToken>;
  history: Record<string, HistoryEntry>;
  queue: QueueEntry[];
}

export const STORE_DEFAULTS: StoreData = { version: STORE_VERSION, tokens: {}, history: {}, queue: [] };

/** What History needs from a store; `conf` and `electron-store` instances satisfy it. */
export interface StoreBackend {
  /** The whole store: one file read (get) or one atomic write (set). */
  store: StoreData;
  get<K extends keyof StoreData>(key: K): StoreData[K];
  set<K extends keyof StoreData>(key: K, value: StoreData[K]): void;
  delete(key: keyof StoreData): void;
  readonly path: string;
}

const HistoryEntrySchema = z
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
    convert: z
      .object({ path: z.string(), mode: z.enum(['remux', 'transcode', 'copy', 'none']), ffmpegVersion: z.string() })
      .optional(),
  })
  .loose();

const QueueEntrySchema = z.object({
  id: z.number().int().nonnegative(),
  appkey: z.string(),
  outDir: z.string().min(1),
  path: z.string().min(1),
  state: z.enum(['waiting', 'paused', 'failed', 'converting']),
  record: RecordingSchema,
  downloaded: z.object({ size: z.number().int().nonnegative(), sha256: z.string() }).optional(),
});

const CachedTokenSchema = z.object({ token: z.string().min(1), expiresAt: z.number(), issuedAt: z.number().optional() });

/** Whose entries a queue save replaces: one app's downloads into one folder. */
export interface QueueScope {
  readonly appkey: string;
  readonly outDir: string;
}

const scopeKey = (scope: QueueScope): string => JSON.stringify([scope.appkey, scope.outDir]);

export function historyKey(appkey: string, id: number): string {
  return `${appkey}|${id}`;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Debounce for queue saves: conf writes the whole file synchronously. */
const QUEUE_SAVE_DELAY_MS = 500;

export class History {
  readonly #backend: StoreBackend;
  #cache: Map<string, HistoryEntry> | undefined;
  readonly #pendingQueue = new Map<string | null, readonly QueueEntry[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(backend: StoreBackend) {
    this.#backend = backend;
  }

  /** The store file, for messages. */
  get path(): string {
    return this.#backend.path;
  }

  /** Re-reads the store: history entries written by another process become visible. */
  reload(): void {
    this.#merge(asObject(this.#backend.get('history')));
  }

  /**
   * Makes the cache match the file's history. Entries are written once and replaced only through
   * add(), so only keys the cache lacks are validated: a finished file costs O(1) validation, not O(n).
   */
  #merge(raw: Record<string, unknown>): Map<string, HistoryEntry> {
    const old = this.#cache ?? new Map<string, HistoryEntry>();
    const map = new Map<string, HistoryEntry>();
    for (const [key, value] of Object.entries(raw)) {
      const known = old.get(key);
      if (known !== undefined) {
        map.set(key, known);
        continue;
      }
      const parsed = HistoryEntrySchema.safeParse(value);
      if (parsed.success) map.set(key, parsed.data as HistoryEntry);
    }
    this.#cache = map;
    return map;
  }

  #entries(): Map<string, HistoryEntry> {
    return this.#cache ?? this.#merge(asObject(this.#backend.get('history')));
  }

  /** Read-modify-write of the history in one read and one write, so entries added by another process are kept. */
  #update(change: (history: Record<string, unknown>) => boolean): boolean {
    const data = this.#backend.store;
    const history = { ...asObject(data.history) };
    if (!change(history)) return false;
    this.#backend.store = { ...data, history: history as Record<string, HistoryEntry> };
    this.#merge(history);
    return true;
  }

  has(appkey: string, id: number): boolean {
    return this.#entries().has(historyKey(appkey, id));
  }

  get(appkey: string, id: number): HistoryEntry | undefined {
    return this.#entries().get(historyKey(appkey, id));
  }

  all(): HistoryEntry[] {
    return [...this.#entries().values()];
  }

  /** Adds or replaces an entry. */
  add(entry: HistoryEntry): void {
    const key = historyKey(entry.appkey, entry.id);
    this.#cache?.delete(key); // a replaced entry must be taken from the file, not the cache
    this.#update((history) => {
      history[key] = entry;
      return true;
    });
  }

  remove(appkey: string, id: number): boolean {
    const key = historyKey(appkey, id);
    return this.#update((history) => {
      if (!(key in history)) return false;
      delete history[key];
      return true;
    });
  }

  /** Token cache backed by the store (read from the file on each get, so processes share tokens). */
  tokenCache(): TokenCache {
    const read = (): Record<string, CachedToken> => ({ ...asObject(this.#backend.get('tokens')) }) as Record<string, CachedToken>;
    return {
      get: (key) => {
        const parsed = CachedTokenSchema.safeParse(read()[key]);
        return parsed.success ? (parsed.data as CachedToken) : undefined;
      },
      set: (key, value) => {
        const tokens = read();
        tokens[key] = { ...value };
        this.#backend.set('tokens', tokens);
      },
      delete: (key) => {
        const tokens = read();
        if (!(key in tokens)) return;
        delete tokens[key];
        this.#backend.set('tokens', tokens);
      },
    };
  }

  /**
   * Saves the unfinished queue, debounced. With a scope, only the entries of that app and folder are
   * replaced, so queues of other apps or other folders (the app runs several at once) share the store.
   */
  saveQueue(entries: readonly QueueEntry[], scope?: QueueScope): void {
    if (scope === undefined) this.#pendingQueue.clear();
    this.#pendingQueue.set(scope === undefined ? null : scopeKey(scope), entries);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), QUEUE_SAVE_DELAY_MS);
      this.#timer.unref();
    }
  }

  /** Saved queue entries (of one app when given); malformed entries are dropped. */
  loadQueue(appkey?: string): QueueEntry[] {
    this.flush();
    const raw = this.#backend.get('queue');
    const out: QueueEntry[] = [];
    for (const value of Array.isArray(raw) ? raw : []) {
      const parsed = QueueEntrySchema.safeParse(value);
      if (parsed.success && (appkey === undefined || parsed.data.appkey === appkey)) out.push(parsed.data as QueueEntry);
    }
    return out;
  }

  /** Writes a pending queue save now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingQueue.size === 0) return;
    const all = this.#pendingQueue.get(null);
    const base: readonly unknown[] = all ?? (Array.isArray(this.#backend.get('queue')) ? this.#backend.get('queue') : []);
    const queue = base.filter((e) => {
      const entry = e as Partial<QueueEntry>;
      return !this.#pendingQueue.has(scopeKey({ appkey: String(entry.appkey), outDir: String(entry.outDir) }));
    }) as QueueEntry[];
    for (const [key, entries] of this.#pendingQueue) if (key !== null) queue.push(...entries);
    this.#pendingQueue.clear();
    this.#backend.set('queue', queue);
  }
}
