// The download queue: names each record, skips what history already has, downloads a few files at a
// time (p-queue), runs the optional conversion step in its own slots, records finished files in history,
// keeps the unfinished ones in the store for a restart, and reports progress as plain data.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { EmrecError, toErrorInfo, type ErrorInfo } from './errors.ts';
import type { Recording } from './record.ts';
import type { ItemProgress, ItemState, QueueProgress } from './progress.ts';
import type { ConvertInfo, History, QueueEntry } from './history.ts';
import { compileTemplate, DEFAULT_TEMPLATE, planPath, plainUserName, resolveInside, withSuffix, type CompiledTemplate } from './naming.ts';
import { discardPartial, downloadFile, type DownloadFileResult, type RetryOptions } from './download-file.ts';
import type { FreeBytesFn } from './disk-space.ts';

export const DEFAULT_CONCURRENCY = 3;
export const MAX_CONCURRENCY = 16;

/** What the conversion hook is given about the item it works on. */
export interface PostProcessItem {
  readonly id: number;
  readonly record: Recording;
  /** The downloaded file, relative to outDir. */
  readonly path: string;
  /** 0..100; shown as the item's convertPercent. */
  reportConvert(percent: number): void;
}

export interface PostProcessResult {
  /** Absolute path of the file the user keeps (the converted one, or the download itself). */
  readonly path: string;
  readonly convert?: ConvertInfo;
}

export type PostProcess = (item: PostProcessItem, absPath: string, signal: AbortSignal) => Promise<PostProcessResult>;

export interface DownloadQueueOptions {
  readonly outDir: string;
  /** File name template (naming.ts); default DEFAULT_TEMPLATE. */
  readonly template?: string;
  /** Downloads at a time, 1..16 (default 3). */
  readonly concurrency?: number;
  readonly history: History;
  /** `org#app` of the records. */
  readonly appkey: string;
  /** Download again even when history has the id. */
  readonly force?: boolean;
  /** A fresh signed URL for a record whose URL expired (see makeRefreshUrl). */
  readonly refreshUrl?: (record: Recording) => Promise<string>;
  readonly postProcess?: PostProcess;
  /** Conversions at a time, outside the download slots (default 1). */
  readonly postProcessConcurrency?: number;
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly freeBytes?: FreeBytesFn;
  /** Minimum time between throttled 'progress' events (default 100 ms). */
  readonly progressIntervalMs?: number;
}

export interface DownloadQueueEvents {
  progress: [QueueProgress];
  item: [ItemProgress];
  warning: [ErrorInfo];
}

interface Item {
  readonly id: number;
  record: Recording;
  rel: string;
  readonly abs: string;
  /** Shown path: the converted file once there is one. */
  shownRel: string;
  state: ItemState;
  bytes: number;
  total?: number;
  speed: number;
  convertPercent?: number;
  error?: ErrorInfo;
  controller?: AbortController;
  /** Bumped on each (re)scheduling, so a superseded run leaves the item alone. */
  generation: number;
  /** The current run, awaited before a new one starts on the same `.part`. */
  running?: Promise<void>;
  downloaded?: DownloadFileResult;
  sample?: { readonly t: number; readonly bytes: number };
}

/** Read through a call so TypeScript does not keep an earlier narrowing: pause()/cancel() change it meanwhile. */
const stateOf = (item: Item): ItemState => item.state;

const ACTIVE: readonly ItemState[] = ['waiting', 'downloading', 'converting'];
const SPEED_SAMPLE_MS = 250;
const SPEED_TIME_CONSTANT_MS = 3000;

/** A DownloadQueue `refreshUrl` that lists the record's conference again and takes the same id's URL. */
export function makeRefreshUrl(client: {
  listConference(confrId: string): Promise<{ readonly records: readonly Recording[] }>;
}): (record: Recording) => Promise<string> {
  return async (record) => {
    if (!record.confrId) throw new EmrecError('URL_EXPIRED', `Recording ${record.id} has no conference id to list again`);
    const { records } = await client.listConference(record.confrId);
    const fresh = records.find((r) => r.id === record.id);
    if (!fresh) throw new EmrecError('URL_EXPIRED', `Recording ${record.id} is no longer listed in conference ${record.confrId}`);
    return fresh.url;
  };
}

export function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new EmrecError('BAD_INPUT', `Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${n}`, { details: { field: 'concurrency' } });
  }
  return n;
}

export class DownloadQueue extends EventEmitter<DownloadQueueEvents> {
  readonly outDir: string;
  readonly appkey: string;
  readonly #options: DownloadQueueOptions;
  readonly #template: CompiledTemplate;
  readonly #history: History;
  readonly #downloads: PQueue;
  readonly #conversions: PQueue;
  readonly #items = new Map<number, Item>();
  /** Lower-cased relative paths taken (case-insensitive file systems), to the id that owns them. */
  readonly #taken = new Map<string, number>();
  readonly #chores = new Set<Promise<unknown>>();
  readonly #dirty = new Set<number>();
  #progressTimer: NodeJS.Timeout | undefined;
  #lastProgress = 0;
  /** While adding many records, state changes emit 'item' but one 'progress' at the end. */
  #batching = false;

  constructor(options: DownloadQueueOptions) {
    super();
    this.#options = options;
    this.outDir = path.resolve(options.outDir);
    this.appkey = options.appkey;
    this.#template = compileTemplate(options.template ?? DEFAULT_TEMPLATE);
    this.#history = options.history;
    this.#downloads = new PQueue({ concurrency: checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY) });
    this.#conversions = new PQueue({ concurrency: checkConcurrency(options.postProcessConcurrency ?? 1) });
    for (const entry of this.#history.all()) {
      if (entry.appkey !== this.appkey) continue;
      const rel = path.relative(this.outDir, entry.path);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) this.#taken.set(rel.split(path.sep).join('/').toLowerCase(), entry.id);
    }
  }

  /** Queues records; ids already queued are ignored, ids in history are 'skipped' unless `force`. */
  add(records: readonly Recording[]): void {
    this.#batching = true;
    try {
      this.#addAll(records);
    } finally {
      this.#batching = false;
    }
    this.#emitProgress();
    this.#persist();
  }

  #addAll(records: readonly Recording[]): void {
    for (const record of records) {
      const existing = this.#items.get(record.id);
      if (existing && existing.state !== 'skipped') continue;
      const skip = !this.#options.force && this.#history.has(this.appkey, record.id);
      const rel = skip ? this.#historyRel(record.id) ?? this.#claim(record) : this.#claim(record);
      const item = this.#newItem(record, rel, skip ? 'skipped' : 'waiting');
      if (skip) this.#changed(item);
      else this.#schedule(item);
    }
  }

  /** Re-queues the unfinished entries a previous process saved for this app and folder; returns how many. */
  restore(): number {
    let n = 0;
    for (const entry of this.#history.loadQueue(this.appkey)) {
      if (path.resolve(entry.outDir) !== this.outDir || this.#items.has(entry.id)) continue;
      n += 1;
      if (!this.#options.force && this.#history.has(this.appkey, entry.id)) {
        this.#changed(this.#newItem(entry.record, this.#historyRel(entry.id) ?? entry.path, 'skipped'));
        continue;
      }
      this.#taken.set(entry.path.toLowerCase(), entry.id);
      const onDisk = entry.downloaded && this.#completeOnDisk(entry.path, entry.downloaded.size);
      if (entry.downloaded && onDisk) {
        // The download had finished: only the conversion (or the history entry) is left to do.
        const item = this.#newItem(entry.record, entry.path, entry.state === 'converting' ? 'waiting' : 'failed');
        item.downloaded = { path: item.abs, ...entry.downloaded };
        item.bytes = item.total = entry.downloaded.size;
        if (entry.state !== 'converting') this.#changed(item);
        else if (this.#options.postProcess) this.#convert(item, item.downloaded);
        else this.#finish(item, item.downloaded, { path: item.abs });
        continue;
      }
      const state = entry.state === 'converting' ? 'waiting' : entry.state;
      const item = this.#newItem(entry.record, entry.path, state);
      if (state === 'waiting') this.#schedule(item);
      else this.#changed(item);
    }
    this.#persist();
    return n;
  }

  /** True when the file of a saved entry is on disk at its full size. */
  #completeOnDisk(rel: string, size: number): boolean {
    try {
      return fs.statSync(resolveInside(this.outDir, rel)).size === size;
    } catch {
      return false;
    }
  }

  /** Stops one or all downloads, keeping their `.part` files. */
  pause(id?: number): void {
    for (const item of this.#select(id)) {
      if (item.state !== 'waiting' && item.state !== 'downloading') continue;
      this.#setState(item, 'paused');
      item.controller?.abort(new EmrecError('CANCELLED', 'Paused'));
    }
    this.#persist();
  }

  /** Continues paused downloads. */
  resume(id?: number): void {
    for (const item of this.#select(id)) if (item.state === 'paused') this.#schedule(item);
    this.#persist();
  }

  /** Stops one or all items and deletes their partial files. */
  cancel(id?: number): void {
    for (const item of this.#select(id)) {
      if (!['waiting', 'downloading', 'paused', 'converting', 'failed'].includes(item.state)) continue;
      const wasRunning = item.controller !== undefined;
      this.#setState(item, 'cancelled');
      item.controller?.abort(new EmrecError('CANCELLED', 'Cancelled'));
      if (!wasRunning) this.#chore(discardPartial(item.abs));
    }
    this.#persist();
  }

  /** Tries a failed or cancelled item again (a failed conversion re-runs only the conversion). */
  retry(id: number): void {
    const item = this.#items.get(id);
    if (!item || (item.state !== 'failed' && item.state !== 'cancelled')) return;
    delete item.error;
    if (item.state === 'failed' && item.downloaded) this.#convert(item, item.downloaded);
    else this.#schedule(item);
    this.#persist();
  }

  setConcurrency(n: number): void {
    this.#downloads.concurrency = checkConcurrency(n);
  }

  get concurrency(): number {
    return this.#downloads.concurrency;
  }

  /** Resolves when nothing is waiting, downloading or converting (paused items may remain). */
  async onIdle(): Promise<void> {
    for (;;) {
      await this.#downloads.onIdle();
      await this.#conversions.onIdle();
      await Promise.allSettled([...this.#chores]);
      const busy = [...this.#items.values()].some((i) => ACTIVE.includes(i.state));
      if (!busy && this.#downloads.size + this.#downloads.pending + this.#conversions.size + this.#conversions.pending === 0) break;
      // an item is active but its task is not queued yet (a microtask away): look again shortly
      if (busy) await new Promise((r) => setTimeout(r, 20));
    }
    this.#history.flush();
    this.#emitProgress();
  }

  /** Every item, in the order added. */
  snapshot(): ItemProgress[] {
    return [...this.#items.values()].map((i) => this.#view(i));
  }

  /** Overall numbers, as in the 'progress' event (with all items). */
  progress(): QueueProgress {
    return this.#summary([...this.#items.values()]);
  }

  // ---- internals ----

  #select(id: number | undefined): Item[] {
    if (id === undefined) return [...this.#items.values()];
    const item = this.#items.get(id);
    return item ? [item] : [];
  }

  #historyRel(id: number): string | undefined {
    const entry = this.#history.get(this.appkey, id);
    if (!entry) return undefined;
    const rel = path.relative(this.outDir, entry.convert?.path ?? entry.path);
    return rel.split(path.sep).join('/');
  }

  /** The record's planned path, made unique among the paths this queue and history use. */
  #claim(record: Recording): string {
    const planned = planPath(record, this.#template);
    let rel = planned;
    for (let n = 0; ; n += 1) {
      const owner = this.#taken.get(rel.toLowerCase());
      if (owner === record.id) break;
      // a file we did not download (not in history) is never overwritten
      if (owner === undefined && !fs.existsSync(resolveInside(this.outDir, rel))) break;
      rel = withSuffix(planned, n === 0 ? String(record.id) : `${record.id}-${n}`);
    }
    this.#taken.set(rel.toLowerCase(), record.id);
    return rel;
  }

  #newItem(record: Recording, rel: string, state: ItemState): Item {
    const item: Item = { id: record.id, record, rel, abs: resolveInside(this.outDir, rel), shownRel: rel, state, bytes: 0, speed: 0, generation: 0 };
    this.#items.set(record.id, item);
    return item;
  }

  #schedule(item: Item): void {
    item.generation += 1;
    const generation = item.generation;
    this.#setState(item, 'waiting');
    void this.#downloads.add(() => this.#run(item, generation)).catch((error: unknown) => this.#warn(error));
  }

  async #run(item: Item, generation: number): Promise<void> {
    if (item.state !== 'waiting' || item.generation !== generation) return;
    const previous = item.running;
    let done!: () => void;
    item.running = new Promise((r) => (done = r));
    try {
      if (previous) await previous;
      if (item.state !== 'waiting' || item.generation !== generation) return;
      const controller = new AbortController();
      item.controller = controller;
      item.sample = undefined;
      item.speed = 0;
      this.#setState(item, 'downloading');
      const refresh = this.#options.refreshUrl;
      try {
        const result = await downloadFile({
          url: item.record.url,
          dest: item.abs,
          signal: controller.signal,
          ...(refresh
            ? {
                refreshUrl: async () => {
                  const url = await refresh(item.record);
                  item.record = { ...item.record, url };
                  this.#persist();
                  return url;
                },
              }
            : {}),
          ...(this.#options.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.#options.idleTimeoutMs } : {}),
          ...(this.#options.retry ? { retry: this.#options.retry } : {}),
          ...(this.#options.freeBytes ? { freeBytes: this.#options.freeBytes } : {}),
          onProgress: (p) => this.#onBytes(item, p.bytes, p.total),
        });
        item.controller = undefined;
        if (item.generation !== generation) return;
        item.downloaded = result;
        item.bytes = result.size;
        item.total = result.size;
        if (this.#options.postProcess) this.#convert(item, result);
        else this.#finish(item, result, { path: result.path });
      } catch (error) {
        item.controller = undefined;
        if (item.generation !== generation) return;
        const state = stateOf(item); // changed by pause()/cancel() meanwhile
        if (state === 'paused') return;
        if (state === 'cancelled') {
          await discardPartial(item.abs);
          return;
        }
        item.error = toErrorInfo(error);
        this.#setState(item, 'failed');
      } finally {
        item.speed = 0;
        this.#persist();
      }
    } finally {
      done();
    }
  }

  #convert(item: Item, result: DownloadFileResult): void {
    const post = this.#options.postProcess;
    if (!post) return;
    const controller = new AbortController();
    item.controller = controller;
    item.convertPercent = 0;
    this.#setState(item, 'converting');
    const info: PostProcessItem = {
      id: item.id,
      record: item.record,
      path: item.rel,
      reportConvert: (percent) => {
        if (item.state !== 'converting') return;
        item.convertPercent = Math.max(0, Math.min(100, percent));
        this.#markDirty(item);
      },
    };
    void this.#conversions
      .add(async () => {
        if (item.state !== 'converting') return;
        try {
          const out = await post(info, result.path, controller.signal);
          item.controller = undefined;
          if (item.state !== 'converting') return;
          this.#finish(item, result, out);
        } catch (error) {
          item.controller = undefined;
          if (item.state !== 'converting') return;
          item.error = toErrorInfo(error);
          this.#setState(item, 'failed');
        } finally {
          delete item.convertPercent;
          this.#persist();
        }
      })
      .catch((error: unknown) => this.#warn(error));
  }

  #finish(item: Item, result: DownloadFileResult, out: PostProcessResult): void {
    const r = item.record;
    this.#history.add({
      id: item.id,
      appkey: this.appkey,
      confrId: r.confrId ?? '',
      user: plainUserName(r),
      recordType: r.recordType ?? '',
      path: result.path,
      size: result.size,
      sha256: result.sha256,
      finishedAt: new Date().toISOString(),
      ...(out.convert ? { convert: out.convert } : {}),
    });
    item.shownRel = path.relative(this.outDir, out.path).split(path.sep).join('/');
    delete item.downloaded;
    this.#setState(item, 'done');
  }

  #onBytes(item: Item, bytes: number, total: number | undefined): void {
    const now = performance.now();
    if (item.sample === undefined || bytes < item.sample.bytes) {
      item.sample = { t: now, bytes };
    } else {
      const dt = now - item.sample.t;
      if (dt >= SPEED_SAMPLE_MS) {
        const instant = ((bytes - item.sample.bytes) * 1000) / dt;
        item.speed = item.speed === 0 ? instant : item.speed + (1 - Math.exp(-dt / SPEED_TIME_CONSTANT_MS)) * (instant - item.speed);
        item.sample = { t: now, bytes };
      }
    }
    item.bytes = bytes;
    if (total !== undefined) item.total = total;
    this.#markDirty(item);
  }

  #setState(item: Item, state: ItemState): void {
    item.state = state;
    if (state !== 'downloading') item.speed = 0;
    if (state === 'waiting' || state === 'downloading') delete item.error;
    this.#changed(item);
  }

  #changed(item: Item): void {
    this.#dirty.add(item.id);
    this.emit('item', this.#view(item));
    if (!this.#batching) this.#emitProgress();
  }

  #markDirty(item: Item): void {
    this.#dirty.add(item.id);
    if (this.#progressTimer !== undefined) return;
    const interval = this.#options.progressIntervalMs ?? 100;
    const wait = Math.max(0, this.#lastProgress + interval - performance.now());
    this.#progressTimer = setTimeout(() => this.#emitProgress(), wait);
    this.#progressTimer.unref();
  }

  #emitProgress(): void {
    if (this.#progressTimer !== undefined) clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
    this.#lastProgress = performance.now();
    const changed = [...this.#dirty].map((id) => this.#items.get(id)).filter((i): i is Item => i !== undefined);
    this.#dirty.clear();
    this.emit('progress', { ...this.#summary([...this.#items.values()], false), items: changed.map((i) => this.#view(i)) });
  }

  #summary(items: readonly Item[], withItems = true): QueueProgress {
    const counts: Record<ItemState, number> = { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 };
    let bytes = 0;
    let total = 0;
    let speed = 0;
    let known = 0;
    let unknown = 0;
    for (const i of items) {
      counts[i.state] += 1;
      if (i.state === 'skipped' || i.state === 'cancelled' || i.state === 'failed') continue;
      bytes += i.bytes;
      if (i.total === undefined) unknown += 1;
      else {
        total += i.total;
        known += 1;
      }
      speed += i.speed;
    }
    // files not started yet are assumed to be as large as the average started one
    const estimate = known > 0 ? total + (total / known) * unknown : undefined;
    const eta = estimate !== undefined && speed > 0 && estimate >= bytes ? (estimate - bytes) / speed : undefined;
    return { items: withItems ? items.map((i) => this.#view(i)) : [], bytes, total, speed, ...(eta !== undefined ? { eta } : {}), counts };
  }

  #view(i: Item): ItemProgress {
    const eta = i.state === 'downloading' && i.total !== undefined && i.speed > 0 ? (i.total - i.bytes) / i.speed : undefined;
    return {
      id: i.id,
      state: i.state,
      path: i.shownRel,
      bytes: i.bytes,
      ...(i.total !== undefined ? { total: i.total } : {}),
      speed: i.speed,
      ...(eta !== undefined ? { eta } : {}),
      ...(i.convertPercent !== undefined ? { convertPercent: i.convertPercent } : {}),
      ...(i.error ? { error: i.error } : {}),
    };
  }

  #persist(): void {
    const entries: QueueEntry[] = [];
    for (const i of this.#items.values()) {
      const state = i.state === 'downloading' ? 'waiting' : i.state;
      if (state !== 'waiting' && state !== 'paused' && state !== 'failed' && state !== 'converting') continue;
      const downloaded = i.downloaded ? { downloaded: { size: i.downloaded.size, sha256: i.downloaded.sha256 } } : {};
      entries.push({ id: i.id, appkey: this.appkey, outDir: this.outDir, path: i.rel, state, record: i.record, ...downloaded });
    }
    try {
      this.#history.saveQueue(entries, { appkey: this.appkey, outDir: this.outDir });
    } catch (error) {
      this.#warn(error);
    }
  }

  #chore(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => this.#warn(error)).finally(() => this.#chores.delete(tracked));
    this.#chores.add(tracked);
  }

  #warn(error: unknown): void {
    this.emit('warning', toErrorInfo(error));
  }
}
