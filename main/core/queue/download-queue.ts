// The one download queue of a process. Each file carries its own job (app, folder, naming, force,
// conversion), so the app and the CLI queue anything into it. It skips what history has, adopts what
// the folder already holds, downloads a few files at a time (p-queue), converts in its own slots,
// records finished files, keeps the unfinished ones in the saved queue, and reports plain data.
// What a file may do in each state is decided by states.ts alone.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { EmrecError, toErrorInfo, type ErrorInfo } from '../errors.ts';
import type { Recording } from '../record.ts';
import type { ItemProgress, ItemState, QueueProgress, RetryWait } from '../progress.ts';
import type { ConvertInfo, History } from '../history.ts';
import { compileTemplate, DEFAULT_TEMPLATE, planPath, plainUserName, resolveInside, type CompiledTemplate } from '../naming.ts';
import { bytesOnDisk, discardPartial, downloadFile, type DownloadFileResult, type RetryOptions } from '../download-file.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { ConnectionBudget, MAX_CONNECTIONS } from '../connection-budget.ts';
import { identify, probeRemote, remoteSize } from '../remote-identity.ts';
import { estimateBytes } from '../size-estimate.ts';
import { tryParseServerTime } from '../time.ts';
import type { FreeBytesFn } from '../disk-space.ts';
import { PathClaims } from './claims.ts';
import { SavedQueue, type SavedEntry } from './saved-queue.ts';
import { SpeedMeter } from './speed.ts';
import { summarize } from './summary.ts';
import { Throttle } from './throttle.ts';
import { activeCount, emptyCounts, isActive, isAllowed, isUnfinished, type ItemAction } from './states.ts';

export const DEFAULT_CONCURRENCY = 3;
export const MAX_CONCURRENCY = 16;

/** What the conversion hook is given about the item it works on. */
export interface PostProcessItem {
  readonly id: number;
  readonly record: Recording;
  /** The downloaded file, relative to its folder. */
  readonly path: string;
  /** The converted file an earlier run made of this recording (history's): converting again replaces it. */
  readonly replaces?: string;
  /** 0..100; shown as the item's convertPercent. */
  reportConvert(percent: number): void;
}

export interface PostProcessResult {
  /** Absolute path of the file the user keeps (the converted one, or the download itself). */
  readonly path: string;
  readonly convert?: ConvertInfo;
}

export type PostProcess = (item: PostProcessItem, absPath: string, signal: AbortSignal) => Promise<PostProcessResult>;

/** Where and how one batch of records is saved; every file keeps the job it was queued with. */
export interface DownloadJob {
  /** `org#app` of the records. */
  readonly appkey: string;
  readonly outDir: string;
  /** File name template (naming.ts); default DEFAULT_TEMPLATE. */
  readonly template?: string;
  /** Download again even when history has the id. */
  readonly force?: boolean;
  /** A fresh signed URL for a record whose URL expired (see makeRefreshUrl). */
  readonly refreshUrl?: (record: Recording) => Promise<string>;
  readonly postProcess?: PostProcess;
  /** Saved with unfinished files so a restart asks for the same conversion. */
  readonly convert?: { readonly keepOriginal: boolean };
  /** The server's time zone (IANA), to show when a file was recorded; default UTC. */
  readonly zone?: string;
}

export interface DownloadQueueOptions {
  readonly history: History;
  /** Where unfinished files are kept for a restart (the app); none: nothing saved (tests). */
  readonly saved?: SavedQueue;
  /** Downloads at a time, 1..16 (default 3). */
  readonly concurrency?: number;
  /**
   * Connections to the file host in all, 1..32, shared by files and segments: files at a time are at
   * most this many, and connections they leave free are lent to large files as segments. None: one
   * connection per file, no segments.
   */
  readonly connections?: number;
  /** Conversions at a time, outside the download slots (default 1). */
  readonly postProcessConcurrency?: number;
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly freeBytes?: FreeBytesFn;
  /** The one bandwidth limit, shared by every download of the queue (changeable while they run). */
  readonly limiter?: RateLimiter;
  /** Minimum time between throttled 'progress' events (default 100 ms). */
  readonly progressIntervalMs?: number;
  /**
   * Asks the file host for the size of files waiting (one `Range: bytes=0-0` each, this many at a
   * time), so overall progress is right before they start (default 0: off, estimates only).
   */
  readonly sizeLookups?: number;
}

export interface DownloadQueueEvents {
  progress: [QueueProgress];
  item: [ItemProgress];
  warning: [ErrorInfo];
}

interface Job extends Omit<DownloadJob, 'template'> {
  readonly outDir: string;
  readonly template: CompiledTemplate;
}

/**
 * One file in the queue. Every field is set when the item is made and none is ever deleted (a field
 * is cleared to undefined): a finished file stays here for the rest of the batch, and an object that
 * loses a property falls into V8's dictionary shape, about twice the memory (test/core/queue/item-memory).
 */
interface Item {
  readonly key: string;
  readonly id: number;
  job: Job;
  record: Recording;
  rel: string;
  abs: string;
  /** Shown path: the converted file once there is one. */
  shownRel: string;
  state: ItemState;
  bytes: number;
  total: number | undefined;
  /** From duration and type, for the overall bar until the server says. */
  estimated: number | undefined;
  /** When the call began (ISO), in the job's zone. */
  recordedAt: string | undefined;
  /** Requests made for the file (every try), and whether its link was renewed. */
  attempts: number;
  urlRefreshed: boolean;
  /** A size lookup queued or running: aborted once the file leaves 'waiting'. */
  sizing: AbortController | undefined;
  /** The batch that last asked for the file (see QueueProgress.batchCounts). */
  batch: number;
  readonly speed: SpeedMeter;
  convertPercent: number | undefined;
  error: ErrorInfo | undefined;
  retry: RetryWait | undefined;
  controller: AbortController | undefined;
  /** Bumped on each (re)scheduling, so a superseded run leaves the item alone. */
  generation: number;
  /** The current run, awaited before a new one starts on the same `.part`. */
  running: Promise<void> | undefined;
  downloaded: DownloadFileResult | undefined;
  /** A file lay at `abs` when the path was chosen: adopt it if the server's size matches. */
  existing: boolean;
  /** Files found at candidate paths that are not this recording. */
  readonly foreign: Set<string>;
}

/** Read through a call so TypeScript does not keep an earlier narrowing: pause()/cancel() change it meanwhile. */
const stateOf = (item: Item): ItemState => item.state;
const keyOf = (appkey: string, id: number): string => `${appkey}|${id}`;
const speedOf = (item: Item): number => item.speed.value;
const toSlash = (rel: string): string => rel.split(path.sep).join('/');

/** What the list shows of an item's recording, worked out once per record (not per progress event). */
function describe(item: Item): void {
  const zone = item.job.zone ?? 'UTC';
  const r = item.record;
  const at = tryParseServerTime(r.confrBeginTime, zone) ?? tryParseServerTime(r.recordTime, zone);
  if (at) item.recordedAt = at.toISOString();
  const estimated = estimateBytes(r);
  if (estimated !== undefined) item.estimated = estimated;
}

/** A DownloadJob `refreshUrl` that lists the record's conference again and takes the same id's URL. */
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

export function checkConnections(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS) {
    throw new EmrecError('BAD_INPUT', `Connections must be a whole number from 1 to ${MAX_CONNECTIONS}, got ${n}`, { details: { field: 'connections' } });
  }
  return n;
}

export function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new EmrecError('BAD_INPUT', `Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${n}`, { details: { field: 'concurrency' } });
  }
  return n;
}

export class DownloadQueue extends EventEmitter<DownloadQueueEvents> {
  readonly #options: DownloadQueueOptions;
  readonly #history: History;
  readonly #saved: SavedQueue | undefined;
  readonly #downloads: PQueue;
  readonly #conversions: PQueue;
  readonly #items = new Map<string, Item>();
  readonly #claims = new PathClaims();
  readonly #counts = emptyCounts();
  readonly #chores = new Set<Promise<unknown>>();
  readonly #dirty = new Set<string>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #templates = new Map<string, CompiledTemplate>();
  readonly #throttle: Throttle;
  readonly #sizeLookups: PQueue | undefined;
  readonly #budget: ConnectionBudget | undefined;
  /** Files at a time as asked (the queue runs fewer when the connection budget is smaller). */
  #filesAtATime: number;
  /** Bytes received by every download of this queue, and their speed together (the overall speed). */
  #received = 0;
  readonly #speed = new SpeedMeter();
  /** The latest batch (one add() or restore()), and the first batch of the current one: a batch begun while nothing ran. */
  #batch = 0;
  #batchStart = 1;
  #tick: NodeJS.Timeout | undefined;
  #lookupsOff = false;
  #historyWarned = false;

  constructor(options: DownloadQueueOptions) {
    super();
    this.#options = options;
    this.#history = options.history;
    this.#saved = options.saved;
    this.#filesAtATime = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#downloads = new PQueue({ concurrency: this.#filesAtATime });
    if (options.connections !== undefined) {
      this.#budget = new ConnectionBudget(checkConnections(options.connections), () =>
        Math.min(this.#downloads.concurrency, this.#downloads.pending + this.#downloads.size),
      );
      this.#downloads.concurrency = Math.min(this.#filesAtATime, this.#budget.size);
    }
    this.#conversions = new PQueue({ concurrency: checkConcurrency(options.postProcessConcurrency ?? 1) });
    this.#throttle = new Throttle(() => this.#emitProgress(), options.progressIntervalMs ?? 100);
    if (options.sizeLookups) this.#sizeLookups = new PQueue({ concurrency: options.sizeLookups });
    for (const entry of this.#history.all()) {
      const owner = keyOf(entry.appkey, entry.id);
      this.#claims.own(entry.path, owner);
      if (entry.convert) this.#claims.own(entry.convert.path, owner);
    }
    for (const entry of this.#saved?.entries() ?? []) {
      try {
        this.#claims.own(resolveInside(entry.outDir, entry.path), keyOf(entry.appkey, entry.id));
      } catch {
        // a saved path outside its folder (hand-edited file): ignored, the path is planned again
      }
    }
  }

  /**
   * Queues records under one job. Files already queued and active are left as they are; paused, failed
   * and cancelled ones start again; finished ones (or ids in history) are skipped unless `force`.
   */
  add(records: readonly Recording[], job: DownloadJob): { queued: number; skipped: number } {
    const resolved = this.#resolveJob(job);
    if (records.length > 0) this.#nextBatch();
    let queued = 0;
    let skipped = 0;
    for (const record of records) {
      const key = keyOf(job.appkey, record.id);
      const item = this.#items.get(key);
      if (item && (item.state === 'done' || item.state === 'skipped') && !resolved.force) {
        // saved before, picked again: not part of this batch (its bytes are not this batch's progress)
        skipped += 1;
        continue;
      }
      if (item) item.batch = this.#batch;
      if (item && isActive(item.state)) continue;
      if (item) {
        // a new request for a file this queue knows: its path (and `.part`) stay, the job is the new one;
        // a finished file fetched again into another folder or under other names goes there (the saved copy stays)
        const finished = item.state === 'done' || item.state === 'skipped';
        const elsewhere = finished && (resolved.outDir !== item.job.outDir || resolved.template !== item.job.template);
        item.job = elsewhere ? resolved : { ...resolved, outDir: item.job.outDir, template: item.job.template };
        item.record = record;
        describe(item);
        if (elsewhere) this.#claimPlanned(item);
        else if (finished) this.#reclaim(item, true);
        this.#start(item);
        queued += 1;
        continue;
      }
      if (!resolved.force && this.#intactInHistory(job.appkey, record.id)) {
        this.#changed(this.#newItem(key, record, resolved, this.#historyRel(resolved, record.id) ?? planPath(record, resolved.template), 'skipped'));
        skipped += 1;
        continue;
      }
      const saved = this.#saved?.get(job.appkey, record.id);
      const fresh = saved && path.resolve(saved.outDir) === resolved.outDir ? this.#fromSaved(saved, resolved, record) : undefined;
      this.#start(fresh ?? this.#claimNew(key, record, resolved));
      queued += 1;
    }
    return { queued, skipped };
  }

  /** Takes up every file a previous process left unfinished; `jobFor` gives each its job (none: left saved). Returns how many. */
  restore(jobFor: (entry: SavedEntry) => DownloadJob | undefined): number {
    this.#nextBatch();
    let n = 0;
    for (const entry of this.#saved?.entries() ?? []) {
      const key = keyOf(entry.appkey, entry.id);
      if (this.#items.has(key)) continue;
      const job = jobFor(entry);
      if (!job) continue;
      const resolved = this.#resolveJob({ ...job, ...(entry.force ? { force: true } : {}) });
      n += 1;
      if (!resolved.force && this.#intactInHistory(entry.appkey, entry.id)) {
        // finished meanwhile (by emrec, say)
        this.#saved?.delete(entry.appkey, entry.id);
        this.#changed(this.#newItem(key, entry.record, resolved, this.#historyRel(resolved, entry.id) ?? entry.path, 'skipped'));
        continue;
      }
      this.#start(this.#fromSaved(entry, resolved, entry.record));
    }
    return n;
  }

  /** Stops downloads, keeping their `.part` files. With an id, refuses (NOT_ALLOWED) what its state does not allow. */
  pause(id?: number): void {
    for (const item of this.#select(id, 'pause')) {
      this.#setState(item, 'paused');
      item.controller?.abort(new EmrecError('CANCELLED', 'Paused'));
    }
  }

  /** Continues paused downloads. */
  resume(id?: number): void {
    for (const item of this.#select(id, 'resume')) this.#again(item);
  }

  /** Stops files and deletes their partial downloads. */
  cancel(id?: number): void {
    for (const item of this.#select(id, 'cancel')) {
      const wasRunning = item.controller !== undefined;
      this.#setState(item, 'cancelled');
      item.controller?.abort(new EmrecError('CANCELLED', 'Cancelled'));
      if (!wasRunning) this.#chore(discardPartial(item.abs));
    }
  }

  /** Tries failed and cancelled files again (a failed conversion re-runs only the conversion). */
  retry(id?: number): void {
    for (const item of this.#select(id, 'retry')) this.#again(item);
  }

  /** A file resumed or retried belongs to the current batch (it ends saved, or not, with it). */
  #again(item: Item): void {
    item.batch = Math.max(item.batch, this.#batchStart);
    this.#start(item);
  }

  /** A new batch; the first of a new run of the queue when nothing is waiting or running. */
  #nextBatch(): void {
    this.#batch += 1;
    if (!this.busy) this.#batchStart = this.#batch;
  }

  /** The progress numbers: counts of the whole list, everything else of the current batch. */
  #summary(): Omit<QueueProgress, 'items' | 'removed'> {
    const start = this.#batchStart;
    const items = this.#items.values();
    const batch = summarize(
      (function* () {
        for (const i of items) if (i.batch >= start) yield i;
      })(),
      speedOf,
      this.#speed.value,
    );
    return { ...batch, counts: { ...this.#counts }, batchCounts: batch.counts };
  }

  setConcurrency(n: number): void {
    this.#filesAtATime = checkConcurrency(n);
    this.#downloads.concurrency = Math.min(n, this.#budget?.size ?? n);
    this.#budget?.offer();
  }

  get concurrency(): number {
    return this.#filesAtATime;
  }

  /** Changes the connection budget (a queue made without one keeps one connection per file). */
  setConnections(n: number): void {
    if (!this.#budget) return;
    this.#budget.size = checkConnections(n);
    this.setConcurrency(this.#filesAtATime);
  }

  /** How many files of the whole list are in `state` now (kept as files move, so free to read). */
  count(state: ItemState): number {
    return this.#counts[state];
  }

  /** True while any file waits, downloads or converts. */
  get busy(): boolean {
    return activeCount(this.#counts) > 0;
  }

  /** Resolves when nothing is waiting, downloading or converting (paused and failed files may remain). */
  async onIdle(): Promise<void> {
    for (;;) {
      while (this.busy) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      await this.#downloads.onIdle();
      await this.#conversions.onIdle();
      await Promise.allSettled([...this.#chores]);
      if (!this.busy) break;
    }
    this.flush();
    this.#throttle.flush();
  }

  /** Writes the saved queue and history now (idle, exit). */
  flush(): void {
    this.#saved?.flush();
    try {
      this.#history.flush();
    } catch (error) {
      this.#warn(error);
    }
  }

  /**
   * Takes saved files (done, already saved) off the list; their files and history stay, so adding them
   * again skips them. Returns how many.
   */
  clearFinished(): number {
    let n = 0;
    for (const [key, item] of this.#items) {
      if (item.state !== 'done' && item.state !== 'skipped') continue;
      this.#items.delete(key);
      this.#counts[item.state] -= 1;
      this.#dirty.delete(key);
      this.#removed.push(item.id);
      n += 1;
    }
    if (n > 0) this.#throttle.request();
    return n;
  }

  /** The folders files not finished yet go to (without building every file's view, as snapshot() does). */
  unfinishedFolders(): Set<string> {
    const folders = new Set<string>();
    for (const item of this.#items.values()) if (isUnfinished(item.state)) folders.add(item.job.outDir);
    return folders;
  }

  /** Every file, in the order added. */
  snapshot(): ItemProgress[] {
    return [...this.#items.values()].map((i) => this.#view(i));
  }

  /** Overall numbers, as in the 'progress' event (with all items). */
  progress(): QueueProgress {
    return { ...this.#summary(), items: this.snapshot() };
  }

  // ---- internals ----

  #select(id: number | undefined, action: ItemAction): Item[] {
    if (id === undefined) return [...this.#items.values()].filter((i) => isAllowed(i.state, action));
    const items = [...this.#items.values()].filter((i) => i.id === id);
    if (items.length === 0) throw new EmrecError('NOT_FOUND', `No file with id ${id} in the download queue`, { details: { id } });
    for (const item of items) {
      if (!isAllowed(item.state, action)) {
        throw new EmrecError('NOT_ALLOWED', `Cannot ${action} file ${id}: it is ${item.state}`, { details: { id, action, state: item.state } });
      }
    }
    return items;
  }

  #resolveJob(job: DownloadJob): Job {
    const source = job.template ?? DEFAULT_TEMPLATE;
    let template = this.#templates.get(source);
    if (!template) {
      template = compileTemplate(source);
      this.#templates.set(source, template);
    }
    return { ...job, outDir: path.resolve(job.outDir), template };
  }

  /**
   * History knows the file and it is still there as recorded (the converted file present, or the
   * download at its recorded size). A file deleted or cut since is fetched again: the folder is the truth.
   */
  #intactInHistory(appkey: string, id: number): boolean {
    const entry = this.#history.get(appkey, id);
    if (!entry) return false;
    if (entry.convert && entry.convert.mode !== 'none') {
      const size = this.#sizeOnDisk(entry.convert.path);
      return entry.convert.size === undefined ? (size ?? 0) > 0 : size === entry.convert.size;
    }
    return this.#sizeOnDisk(entry.path) === entry.size;
  }

  /** Where history says the file is, relative to the job's folder; undefined when it lies elsewhere. */
  #historyRel(job: Job, id: number): string | undefined {
    const entry = this.#history.get(job.appkey, id);
    if (!entry) return undefined;
    const rel = path.relative(job.outDir, entry.convert?.path ?? entry.path);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : toSlash(rel);
  }

  #claimNew(key: string, record: Recording, job: Job): Item {
    const claim = this.#claims.claim(job.outDir, planPath(record, job.template), record.id, key);
    const item = this.#newItem(key, record, job, claim.rel, 'waiting');
    item.existing = claim.existing;
    return item;
  }

  /** Chooses the next free path for an item whose current path is taken (a foreign file, or forced again). */
  #reclaim(item: Item, keepPath: boolean): void {
    if (keepPath) {
      item.existing = false;
      return;
    }
    item.foreign.add(PathClaims.key(item.abs));
    this.#claimPlanned(item);
  }

  /** Gives up the item's path and claims the one its job plans for it. */
  #claimPlanned(item: Item): void {
    this.#claims.release(item.abs, item.key);
    const claim = this.#claims.claim(item.job.outDir, planPath(item.record, item.job.template), item.id, item.key, item.foreign);
    item.rel = item.shownRel = claim.rel;
    item.abs = claim.abs;
    item.existing = claim.existing;
  }

  /** An item for a saved entry: its path as saved, its finished download (if on disk at full size) kept. */
  #fromSaved(entry: SavedEntry, job: Job, record: Recording): Item {
    const key = keyOf(entry.appkey, entry.id);
    const item = this.#newItem(key, record, job, entry.path, 'waiting');
    this.#claims.own(item.abs, key);
    if (entry.downloaded && this.#sizeOnDisk(item.abs) === entry.downloaded.size) {
      item.downloaded = { path: item.abs, ...entry.downloaded };
      item.bytes = item.total = entry.downloaded.size;
    } else {
      // a file at the path with no `.part` is a finished download the state does not know of: check it
      item.existing = fs.existsSync(item.abs);
    }
    return item;
  }

  #sizeOnDisk(abs: string): number | undefined {
    try {
      return fs.statSync(abs).size;
    } catch {
      return undefined;
    }
  }

  #newItem(key: string, record: Recording, job: Job, rel: string, state: ItemState): Item {
    const item: Item = {
      key,
      id: record.id,
      job,
      record,
      rel,
      abs: resolveInside(job.outDir, rel),
      shownRel: rel,
      state,
      bytes: 0,
      total: undefined,
      estimated: undefined,
      recordedAt: undefined,
      attempts: 0,
      urlRefreshed: false,
      sizing: undefined,
      batch: this.#batch,
      speed: new SpeedMeter(),
      convertPercent: undefined,
      error: undefined,
      retry: undefined,
      controller: undefined,
      generation: 0,
      running: undefined,
      downloaded: undefined,
      existing: false,
      foreign: new Set(),
    };
    describe(item);
    this.#items.set(key, item);
    this.#counts[state] += 1;
    return item;
  }

  /** (Re)starts an item: its conversion when the download is complete, else its download. */
  #start(item: Item): void {
    item.error = undefined;
    if (item.downloaded && item.job.postProcess) this.#convert(item, item.downloaded);
    else if (item.downloaded) this.#finish(item, item.downloaded, { path: item.downloaded.path });
    else this.#schedule(item);
  }

  #schedule(item: Item): void {
    item.generation += 1;
    const generation = item.generation;
    // what is on disk now: a file fetched again (force) or cancelled starts from 0, a paused one from its .part
    item.bytes = bytesOnDisk(item.abs);
    item.speed.reset();
    this.#setState(item, 'waiting');
    void this.#downloads.add(() => this.#run(item, generation)).catch((error: unknown) => this.#warn(error));
    this.#lookUpSize(item);
  }

  /** Asks the host for a waiting file's size (once; a failure leaves the estimate). */
  #lookUpSize(item: Item): void {
    const lookups = this.#sizeLookups;
    if (!lookups || item.total !== undefined || item.sizing) return;
    const controller = new AbortController();
    item.sizing = controller;
    void lookups
      .add(async () => {
        if (item.state !== 'waiting' || item.total !== undefined || controller.signal.aborted) return;
        if (this.#lookupsOff) return;
        const budget = this.#budget;
        if (budget && !(await budget.take(controller.signal))) return; // it started (or ended) meanwhile
        const answer = await remoteSize({ url: item.record.url, idleTimeoutMs: 10_000, signal: controller.signal })
          .catch(() => undefined)
          .finally(() => budget?.give());
        // a host that ignores Range would start sending whole files to every lookup: no more lookups
        if (answer?.ranged === false) this.#lookupsOff = true;
        const size = answer?.size;
        if (size === undefined || item.total !== undefined || controller.signal.aborted) return;
        item.total = size;
        this.#markDirty(item);
      })
      .finally(() => {
        if (item.sizing === controller) item.sizing = undefined;
      });
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
      item.speed.reset();
      this.#setState(item, 'downloading');
      item.attempts += 1;
      const refresh = item.job.refreshUrl;
      const refreshUrl = refresh
        ? async (): Promise<string> => {
            const url = await refresh(item.record);
            item.record = { ...item.record, url };
            item.urlRefreshed = true;
            this.#persist(item);
            return url;
          }
        : undefined;
      try {
        if (item.existing && (await this.#adopt(item, controller.signal, refreshUrl))) return;
        const result = await downloadFile({
          url: item.record.url,
          dest: item.abs,
          signal: controller.signal,
          ...(refreshUrl ? { refreshUrl } : {}),
          ...(this.#options.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.#options.idleTimeoutMs } : {}),
          ...(this.#options.retry ? { retry: this.#options.retry } : {}),
          ...(this.#options.freeBytes ? { freeBytes: this.#options.freeBytes } : {}),
          ...(this.#options.limiter ? { limiter: this.#options.limiter } : {}),
          ...(this.#budget ? { budget: this.#budget } : {}),
          onProgress: (p) => this.#onBytes(item, p.bytes, p.total),
          onRetry: (wait) => {
            item.retry = { attempt: wait.attempt, limit: wait.limit, at: Date.now() + wait.delayMs, code: wait.code };
            item.attempts += 1; // the one made after this wait
            this.#markDirty(item);
          },
        });
        item.controller = undefined;
        if (item.generation !== generation) return;
        item.downloaded = result;
        item.bytes = result.size;
        item.total = result.size;
        if (item.job.postProcess) this.#convert(item, result);
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
      }
    } finally {
      done();
      // its connection goes to the next file first (p-queue starts it once this settles), then to segments
      if (this.#budget) setImmediate(() => this.#budget?.offer());
    }
  }

  /**
   * A finished file already lies at the item's path and history does not know it (state lost, or a
   * kill between rename and record): the same size and the same bytes in five places as the server's
   * file mean it is this recording (remote-identity.ts), so it is hashed once and recorded instead of fetched
   * again; otherwise it is someone else's file, kept as it is, and the item moves to the next free name
   * (said as a warning). True when adopted.
   */
  async #adopt(item: Item, signal: AbortSignal, refreshUrl: (() => Promise<string>) | undefined): Promise<boolean> {
    const ours = this.#history.get(item.job.appkey, item.id)?.path;
    if (ours !== undefined && path.resolve(ours) === item.abs) {
      item.existing = false; // our own earlier download, fetched again on purpose (force)
      return false;
    }
    const probe = {
      url: item.record.url,
      signal,
      ...(refreshUrl ? { refreshUrl } : {}),
      ...(this.#options.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.#options.idleTimeoutMs } : {}),
    };
    const remote = await probeRemote(probe);
    if (signal.aborted) throw signal.reason;
    const same = await identify(item.abs, remote, probe);
    if (same) {
      const found = { path: item.abs, ...same };
      await discardPartial(item.abs); // a sidecar left by a kill between the rename and its removal
      item.controller = undefined;
      item.existing = false;
      item.bytes = item.total = found.size;
      if (item.job.postProcess) {
        item.downloaded = found;
        this.#convert(item, found);
      } else {
        this.#finish(item, found, { path: found.path }, 'skipped');
      }
      return true;
    }
    const taken = item.abs;
    this.#reclaim(item, false);
    this.#persist(item);
    this.emit('warning', {
      code: 'NAME_TAKEN',
      message: `${taken} is a different file (left as it is); recording ${item.id} is saved as ${item.abs}`,
      details: { path: taken, savedAs: item.abs },
    });
    if (item.existing) return this.#adopt(item, signal, refreshUrl);
    return false;
  }

  #convert(item: Item, result: DownloadFileResult): void {
    const post = item.job.postProcess;
    if (!post) return;
    const controller = new AbortController();
    item.controller = controller;
    item.convertPercent = 0;
    this.#setState(item, 'converting');
    const ours = this.#history.get(item.job.appkey, item.id)?.convert?.path;
    const info: PostProcessItem = {
      id: item.id,
      record: item.record,
      path: item.rel,
      ...(ours ? { replaces: ours } : {}),
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
          item.convertPercent = undefined;
        }
      })
      .catch((error: unknown) => this.#warn(error));
  }

  #finish(item: Item, result: DownloadFileResult, out: PostProcessResult, state: 'done' | 'skipped' = 'done'): void {
    const r = item.record;
    try {
      this.#history.add({
        id: item.id,
        appkey: item.job.appkey,
        confrId: r.confrId ?? '',
        user: plainUserName(r),
        recordType: r.recordType ?? '',
        path: result.path,
        size: result.size,
        sha256: result.sha256,
        finishedAt: new Date().toISOString(),
        ...(r.confrBeginTime ?? r.recordTime ? { recordedAt: r.confrBeginTime ?? r.recordTime } : {}),
        ...(out.convert ? { convert: out.convert } : {}),
      });
    } catch (error) {
      // The file is complete in the folder, which the next run adopts: say so once, do not fail it.
      if (!this.#historyWarned) this.#warn(error);
      this.#historyWarned = true;
    }
    item.shownRel = toSlash(path.relative(item.job.outDir, out.path));
    this.#claims.own(out.path, item.key);
    item.downloaded = undefined;
    this.#setState(item, state);
  }

  #onBytes(item: Item, bytes: number, total: number | undefined): void {
    if (item.retry && bytes > item.bytes) item.retry = undefined; // going again
    if (bytes > item.bytes) this.#received += bytes - item.bytes;
    item.speed.update(bytes);
    item.bytes = bytes;
    if (total !== undefined) item.total = total;
    else if (item.total !== undefined && bytes > item.total) item.total = undefined; // a size lookup that was wrong: unknown again
    this.#markDirty(item);
  }

  #setState(item: Item, state: ItemState): void {
    item.retry = undefined; // a wait belongs to one stretch of downloading
    if (state !== 'waiting' && item.sizing) {
      item.sizing.abort(); // its own response says the size now, or it is not needed
      item.sizing = undefined;
    }
    if (item.state !== state) {
      this.#counts[item.state] -= 1;
      this.#counts[state] += 1;
    }
    item.state = state;
    if (state !== 'downloading') item.speed.reset();
    if (state === 'waiting' || state === 'downloading') item.error = undefined;
    this.#persist(item);
    this.#changed(item);
    if (!this.busy) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Keeps the saved queue in step with one item: O(1) here, written at most once a second. */
  #persist(item: Item): void {
    const saved = this.#saved;
    if (!saved) return;
    const state = item.state === 'downloading' ? 'waiting' : item.state;
    if (state !== 'waiting' && state !== 'paused' && state !== 'failed' && state !== 'converting') {
      saved.delete(item.job.appkey, item.id);
      return;
    }
    const template = item.job.template.source;
    saved.put({
      id: item.id,
      appkey: item.job.appkey,
      outDir: item.job.outDir,
      path: item.rel,
      template,
      state,
      record: item.record,
      ...(item.downloaded ? { downloaded: { size: item.downloaded.size, sha256: item.downloaded.sha256 } } : {}),
      ...(item.job.convert ? { convert: item.job.convert } : {}),
      ...(item.job.force ? { force: true } : {}),
    });
  }

  #changed(item: Item): void {
    this.emit('item', this.#view(item));
    this.#markDirty(item);
  }

  readonly #removed: number[] = [];

  #markDirty(item: Item): void {
    this.#dirty.add(item.key);
    this.#throttle.request();
  }

  #emitProgress(): void {
    const changed = [...this.#dirty].map((key) => this.#items.get(key)).filter((i): i is Item => i !== undefined);
    this.#dirty.clear();
    const removed = this.#removed.splice(0);
    if (this.#counts.downloading > 0) {
      this.#speed.update(this.#received);
      // no bytes, no events: look again in a second so a stall shows as the speed falling
      this.#tick ??= setTimeout(() => {
        this.#tick = undefined;
        this.#throttle.request();
      }, 1000).unref();
    } else this.#speed.reset();
    this.emit('progress', { ...this.#summary(), items: changed.map((i) => this.#view(i)), ...(removed.length > 0 ? { removed } : {}) });
  }

  #view(i: Item): ItemProgress {
    const speed = i.speed.value;
    const eta = i.state === 'downloading' && i.total !== undefined && speed > 0 ? (i.total - i.bytes) / speed : undefined;
    return {
      id: i.id,
      state: i.state,
      path: i.shownRel,
      folder: i.job.outDir,
      bytes: i.bytes,
      ...(i.total !== undefined ? { total: i.total } : i.estimated !== undefined ? { estimated: i.estimated } : {}),
      user: plainUserName(i.record),
      confrId: i.record.confrId ?? '',
      ...(i.recordedAt ? { recordedAt: i.recordedAt } : {}),
      recordType: i.record.recordType ?? '',
      attempts: i.attempts,
      urlRefreshed: i.urlRefreshed,
      speed,
      ...(eta !== undefined ? { eta } : {}),
      ...(i.convertPercent !== undefined ? { convertPercent: i.convertPercent } : {}),
      ...(i.error ? { error: i.error } : {}),
      ...(i.retry ? { retry: i.retry } : {}), // set only while downloading (#setState clears it)
    };
  }

  #chore(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => this.#warn(error)).finally(() => this.#chores.delete(tracked));
    this.#chores.add(tracked);
  }

  #warn(error: unknown): void {
    this.emit('warning', toErrorInfo(error));
  }
}
